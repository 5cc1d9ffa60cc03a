/* mtlshim_compat.h — what Apple's Foundation provides to the Metal host code and GNUstep's
 * (built for GCC's Objective-C runtime, without ARC) does not. On Linux the .m files compile
 * without ARC (docs/METAL.md): the bridging casts are then plain casts and CFBridgingRetain /
 * CFBridgingRelease keep ARC's ownership transfer explicit with retain / release. */
#ifndef MTLSHIM_COMPAT_H
#define MTLSHIM_COMPAT_H

#import <Foundation/Foundation.h>

static inline void *CFBridgingRetain(id object) {
    return (void *)[object retain];
}

static inline id CFBridgingRelease(const void *object) {
    return [(id)object autorelease];
}

#endif /* MTLSHIM_COMPAT_H */
