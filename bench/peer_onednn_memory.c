/* peer_onednn_memory.c — the oneDNN peer's engine, and what its context
 * owns: host buffers, memories, primitives, the reorders that fill
 * weights in the formats a primitive asks for (outside timing) and those
 * run as steps (bf16 outputs back to float32). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "peer_onednn_ctx.h"

dnnl_engine_t d_engine;
dnnl_stream_t d_stream;

int d_engine_init(void)
{
    if (d_engine)
        return 0;
    if (dnnl_engine_create(&d_engine, dnnl_cpu, 0) != dnnl_success)
        return -1;
    if (dnnl_stream_create(&d_stream, d_engine, dnnl_stream_default_flags) != dnnl_success)
        return -1;
    return 0;
}

float *d_buf(dctx *c, size_t n)
{
    float *p = NULL;
    if (c->nbufs < MAX_BUF && (p = calloc(n ? n : 1, sizeof *p)))
        c->bufs[c->nbufs++] = p;
    else
        c->oom = 1;
    return p;
}

dnnl_memory_desc_t d_md_dt(int nd, const dnnl_dims_t dims, dnnl_data_type_t dt,
                           dnnl_format_tag_t tag)
{
    dnnl_memory_desc_t md;
    dnnl_memory_desc_init_by_tag(&md, nd, dims, dt, tag);
    return md;
}

dnnl_memory_desc_t d_md(int nd, const dnnl_dims_t dims, dnnl_format_tag_t tag)
{
    return d_md_dt(nd, dims, dnnl_f32, tag);
}

/* A memory wrapping a host pointer (NULL: oneDNN allocates). */
dnnl_memory_t d_wrap(dctx *c, const dnnl_memory_desc_t *md, const void *ptr)
{
    dnnl_memory_t m = NULL;
    if (c->nmem >= MAX_MEM ||
        dnnl_memory_create(&m, md, d_engine, ptr ? (void *)ptr : DNNL_MEMORY_ALLOCATE) !=
            dnnl_success)
        return NULL;
    c->mem[c->nmem++] = m;
    return m;
}

int d_keep(dctx *c, dnnl_primitive_t p)
{
    if (c->nprims >= MAX_PRIM) {
        dnnl_primitive_destroy(p);
        return -1;
    }
    c->prims[c->nprims++] = p;
    return 0;
}

/* The memory a primitive wants for a weight: the plain data itself when the
 * format matches, otherwise a reordered copy made here, outside timing. */
int d_weights_for(dctx *c, const_dnnl_primitive_desc_t pd, dnnl_query_t q, int idx,
                  const dnnl_memory_desc_t *plain_md, const float *plain, dnnl_memory_t *out)
{
    const dnnl_memory_desc_t *want = dnnl_primitive_desc_query_md(pd, q, idx);
    if (!want)
        return c->fail_what = "weights query", -1;
    dnnl_memory_t src = d_wrap(c, plain_md, plain);
    if (!src)
        return c->fail_what = "weights memory", -1;
    if (dnnl_memory_desc_equal(want, plain_md)) {
        *out = src;
        return 0;
    }
    dnnl_memory_t dst = d_wrap(c, want, NULL);
    if (!dst)
        return c->fail_what = "weights memory", -1;
    if (d_reorder_step(c, src, dst, NULL))
        return -1;
    *out = dst;
    return 0;
}

void d_arg(step *s, int what, dnnl_memory_t m)
{
    s->args[s->nargs++] = (dnnl_exec_arg_t){what, m};
}

/* A reorder from memory `from` to memory `to` as a step (run executes it
 * when `s` is given: bf16 outputs back to float32), or done once here (s
 * NULL: weights into a primitive's format, results back to plain). */
int d_reorder_step(dctx *c, dnnl_memory_t from, dnnl_memory_t to, step *s)
{
    const dnnl_memory_desc_t *fmd = NULL, *tmd = NULL;
    if (!from || !to || dnnl_memory_get_memory_desc(from, &fmd) != dnnl_success ||
        dnnl_memory_get_memory_desc(to, &tmd) != dnnl_success)
        return c->fail_what = "reorder memory", -1;
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t r;
    TRY("reorder", dnnl_reorder_primitive_desc_create(&rpd, fmd, d_engine, tmd, d_engine, NULL));
    dnnl_status_t st = dnnl_primitive_create(&r, rpd);
    dnnl_primitive_desc_destroy(rpd);
    TRY("reorder", st);
    if (s) {
        if (d_keep(c, r))
            return c->fail_what = "reorder", -1;
        s->prim = r;
        d_arg(s, DNNL_ARG_FROM, from);
        d_arg(s, DNNL_ARG_TO, to);
        return 0;
    }
    dnnl_exec_arg_t a[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
    st = dnnl_primitive_execute(r, d_stream, 2, a);
    if (st == dnnl_success)
        st = dnnl_stream_wait(d_stream);
    dnnl_primitive_destroy(r);
    TRY("reorder", st);
    return 0;
}

void d_teardown(void *vctx)
{
    dctx *c = vctx;
    if (!c)
        return;
    for (int i = 0; i < c->nprims; i++)
        dnnl_primitive_destroy(c->prims[i]);
    for (int i = 0; i < c->nmem; i++)
        dnnl_memory_destroy(c->mem[i]);
    for (int i = 0; i < c->nbufs; i++)
        free(c->bufs[i]);
    free(c);
}
