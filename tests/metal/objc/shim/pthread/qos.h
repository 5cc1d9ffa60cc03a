/* pthread/qos.h — Linux stand-in for Apple's <pthread/qos.h>: the quality-of-service classes
 * and pthread_attr_set_qos_class_np with Apple's values and signature. The definition (a
 * no-op: Linux has no QoS classes) is in tests/metal/objc/runtime/mtlshim_device.m. */
#ifndef MTLSHIM_PTHREAD_QOS_H
#define MTLSHIM_PTHREAD_QOS_H

#include <pthread.h>

typedef enum qos_class_t {
    QOS_CLASS_USER_INTERACTIVE = 0x21,
    QOS_CLASS_USER_INITIATED = 0x19,
    QOS_CLASS_DEFAULT = 0x15,
    QOS_CLASS_UTILITY = 0x11,
    QOS_CLASS_BACKGROUND = 0x09,
    QOS_CLASS_UNSPECIFIED = 0x00
} qos_class_t;

int pthread_attr_set_qos_class_np(pthread_attr_t *attr, qos_class_t qos_class,
                                  int relative_priority);

#endif /* MTLSHIM_PTHREAD_QOS_H */
