/*
 * base/hash.c: a 64-bit multiply-xorshift hash over 8-byte words, and a table-driven CRC-32C.
 * The hash mixes each word with two odd constants and folds the 128-bit product, which is fast
 * and spreads short keys (index terms) well.
 */
#include "base/hash.h"

#include <stdio.h>
#include <string.h>

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t sf_hash64(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	const uint64_t k0 = 0x9e3779b97f4a7c15ULL, k1 = 0xd6e8feb86659fd93ULL;
	uint64_t h = seed ^ mix(n + k0, k1);
	while (n >= 8) {
		uint64_t w;
		memcpy(&w, s, 8);
		h = mix(h ^ w ^ k0, k1);
		s += 8;
		n -= 8;
	}
	uint64_t w = 0;
	memcpy(&w, s, n);
	h = mix(h ^ w ^ ((uint64_t)n << 56) ^ k1, k0);
	return h ^ (h >> 29);
}

static uint32_t crc_table[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
	__atomic_store_n(&crc_ready, 1, __ATOMIC_RELEASE);
}

uint32_t sf_crc32c(uint32_t crc, const void *p, size_t n)
{
	if (!__atomic_load_n(&crc_ready, __ATOMIC_ACQUIRE)) crc_init();
	const unsigned char *s = p;
	crc = ~crc;
	while (n >= 8) {
		uint32_t lo, hi;
		memcpy(&lo, s, 4);
		memcpy(&hi, s + 4, 4);
		lo ^= crc;
		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		s += 8;
		n -= 8;
	}
	while (n--) crc = (crc >> 8) ^ crc_table[0][(crc ^ *s++) & 0xff];
	return ~crc;
}

void sf_fingerprint_hex(const void *p, size_t n, char out[33])
{
	uint64_t a = sf_hash64(p, n, 0x5375666c6572ULL);
	uint64_t b = sf_hash64(p, n, a ^ 0x243f6a8885a308d3ULL);
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
}
