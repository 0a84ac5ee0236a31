#ifndef CNAVE_PROTON_SHIM_H
#define CNAVE_PROTON_SHIM_H
// Glibc's own headers first, so nothing Proton includes changes the feature macros Swift's
// Glibc module was built with (the liburing trap in swift-engine-notes.md).
#include <features.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <proton/types.h>
#include <proton/codec.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/connection_driver.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/event.h>
#include <proton/link.h>
#include <proton/message.h>
#include <proton/sasl.h>
#include <proton/sasl_plugin.h>
#include <proton/session.h>
#include <proton/terminus.h>
#include <proton/transport.h>

// Macros Swift does not import, as constants (delivery states, AMQP 1.0 §3.4).
static const uint64_t cnave_PN_ACCEPTED = PN_ACCEPTED;
static const uint64_t cnave_PN_REJECTED = PN_REJECTED;
static const uint64_t cnave_PN_RELEASED = PN_RELEASED;
static const uint64_t cnave_PN_MODIFIED = PN_MODIFIED;
static const int cnave_PN_EOS = PN_EOS;

// pn_condition_format is variadic: Swift cannot call it. A fixed-string form.
static inline int cnave_condition_set(pn_condition_t *c, const char *name, const char *description) {
    return pn_condition_set_name(c, name) || pn_condition_set_description(c, description);
}
// pn_connection_driver_errorf is variadic too: set the transport's error condition and close it.
static inline void cnave_driver_error(pn_connection_driver_t *driver, const char *name, const char *description) {
    pn_connection_driver_errorf(driver, name, "%s", description);
}
#endif
