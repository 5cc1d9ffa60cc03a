/* objc/blocks_runtime.h — GNUstep's headers include this when the compiler has blocks (the
 * Metal API declares block parameters, so the host code compiles with -fblocks). Debian's
 * GCC Objective-C runtime ships no blocks runtime; the host code never creates a block. */
#ifndef MTLSHIM_BLOCKS_RUNTIME_H
#define MTLSHIM_BLOCKS_RUNTIME_H

void *_Block_copy(const void *block);
void _Block_release(const void *block);

#endif /* MTLSHIM_BLOCKS_RUNTIME_H */
