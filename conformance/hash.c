/* hash.c — see hash.h for the byte order the hashes promise. */
#include <string.h>
#include <xxhash.h>
#include "hash.h"

uint64_t conf_hash_tensors(const conf_tensor *t, int n, int part)
{
    XXH3_state_t *st = XXH3_createState();
    if (!st)
        return 0;
    XXH3_64bits_reset(st);
    unsigned char buf[4096];
    for (int k = 0; k < n; k++) {
        if (t[k].is_view || (part >= 0 && (int)t[k].part != part))
            continue;
        const unsigned char *src = t[k].data;
        size_t fill = 0;
        for (size_t i = 0; i < t[k].n; i++) {
            uint32_t bits;
            memcpy(&bits, src + 4 * i, 4); /* float or int32: the same 4 bytes */
            buf[fill++] = (unsigned char)bits;
            buf[fill++] = (unsigned char)(bits >> 8);
            buf[fill++] = (unsigned char)(bits >> 16);
            buf[fill++] = (unsigned char)(bits >> 24);
            if (fill == sizeof buf) {
                XXH3_64bits_update(st, buf, fill);
                fill = 0;
            }
        }
        if (fill)
            XXH3_64bits_update(st, buf, fill);
    }
    uint64_t h = XXH3_64bits_digest(st);
    XXH3_freeState(st);
    return h;
}
