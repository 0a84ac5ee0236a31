#ifndef CNAVE_CRC_SHIM_H
#define CNAVE_CRC_SHIM_H
// CRC-32C with SSE 4.2's crc32 instruction (Intel SDM, CRC32), which Swift cannot name: eight
// bytes per instruction, about ten times the slice-by-8 table. Header-only (static inline), so
// the target links nothing; callers check `cnave_crc32c_hardware_available()` first.
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline bool cnave_crc32c_hardware_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
#else
    return false;
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static inline uint32_t cnave_crc32c_update(uint32_t crc, const uint8_t *bytes, size_t count) {
    uint64_t value = crc;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, bytes, 8);
        value = __builtin_ia32_crc32di(value, word);
        bytes += 8;
        count -= 8;
    }
    uint32_t narrow = (uint32_t)value;
    while (count > 0) {
        narrow = __builtin_ia32_crc32qi(narrow, *bytes);
        bytes += 1;
        count -= 1;
    }
    return narrow;
}
#else
static inline uint32_t cnave_crc32c_update(uint32_t crc, const uint8_t *bytes, size_t count) {
    (void)bytes; (void)count;
    return crc;  // never called: cnave_crc32c_hardware_available() is false here
}
#endif
#endif
