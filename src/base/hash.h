/*
 * base/hash.h: non-cryptographic hashing and checksums.
 *
 * Layer: base. sf_hash64 is a fast 64-bit hash for hash tables and content fingerprints (not for
 * anything an attacker may choose to collide where that matters). sf_crc32c is CRC-32C
 * (Castagnoli), used for file checksums. Pure functions, thread-safe.
 */
#ifndef SF_BASE_HASH_H
#define SF_BASE_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t sf_hash64(const void *p, size_t n, uint64_t seed);
/* Continues a CRC-32C: pass 0 as crc for a new one. */
uint32_t sf_crc32c(uint32_t crc, const void *p, size_t n);
/* Writes the 32 lowercase hex digits of a 128-bit fingerprint of (p, n) and a NUL to out. */
void sf_fingerprint_hex(const void *p, size_t n, char out[33]);

#endif
