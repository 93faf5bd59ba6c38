/* tests/mm/fixture_ktest.c - the fixture helpers that report to the ktest runner (fixture.h):
 * the RAM check that skips a case, and a kmalloc context over a private node for the slab
 * suites. Apart from fixture.c, which the fuzz targets link without the runner. */
#include "tests/mm/fixture.h"
#include "tests/ktest.h"
#include "mm/slab.h"
#include "mm/gfp.h"
#include "lib/string.h"

bool fixture_enough_ram(struct ktest *t)
{
	if ((node_managed_pages(&contig_node, -1) << PAGE_SHIFT) >= FIXTURE_MIN_RAM)
		return true;
	ktest_skip(t, "needs 24 MiB of RAM (FIXTURE_MIN_RAM): this machine is smaller");
	return false;
}

struct mm_node *fixture_priv_node(struct ktest *t, unsigned long frames, int fill, void **buf)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 64, 256, ~0UL };
	struct mm_node *n;

	*buf = NULL;
	if (!fixture_enough_ram(t))
		return NULL;
	n = alloc_pages_exact(sizeof(*n), GFP_KERNEL);
	*buf = alloc_pages_exact(frames << PAGE_SHIFT, GFP_KERNEL);
	if (n && *buf && fill >= 0)
		memset(*buf, fill, frames << PAGE_SHIFT);
	if (!n || !*buf || fixture_node_build(n, *buf, frames << PAGE_SHIFT, NULL, 0, zone_end) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "no private node of %lu frames", frames);
		fixture_priv_node_free(n, *buf, frames);
		*buf = NULL;
		return NULL;
	}
	return n;
}

void fixture_priv_node_free(struct mm_node *n, void *buf, unsigned long frames)
{
	if (buf)
		free_pages_exact(buf, frames << PAGE_SHIFT);
	if (n)
		free_pages_exact(n, sizeof(*n));
}

bool fixture_slab_build(struct ktest *t, struct fixture_slab *f, unsigned long frames)
{
	memset(f, 0, sizeof(*f));
	f->node = fixture_priv_node(t, frames, -1, &f->buf);
	if (!f->node)
		return false;
	f->frames = frames;
	f->ctx = alloc_pages_exact(sizeof(*f->ctx), GFP_KERNEL);
	if (!f->ctx) {
		ktest_fail(t, __FILE__, __LINE__, "no memory for a kmalloc context");
		fixture_slab_destroy(t, f);
		return false;
	}
	f->free0 = node_nr_free_pages(f->node);
	if (kmalloc_ctx_init(f->ctx, f->node) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "kmalloc_ctx_init failed");
		f->free0 = 0;
		fixture_slab_destroy(t, f);
		return false;
	}
	return true;
}

void fixture_slab_destroy(struct ktest *t, struct fixture_slab *f)
{
	if (f->free0) {			/* the context was made */
		if (kmalloc_ctx_destroy(f->ctx) < 0) {
			ktest_fail(t, __FILE__, __LINE__, "kmalloc_ctx_destroy refused: objects live");
			return;
		}
		ktest_log(t, "private node: %lu frames free before the context, %lu after it", f->free0,
			  node_nr_free_pages(f->node));
		KT_EXPECT_EQ(t, node_nr_free_pages(f->node), f->free0);
		KT_EXPECT_EQ(t, node_check(f->node, true), 0);
	}
	if (f->ctx)
		free_pages_exact(f->ctx, sizeof(*f->ctx));
	fixture_priv_node_free(f->node, f->buf, f->frames);
	memset(f, 0, sizeof(*f));
}

void fixture_slab_run(struct ktest *t, unsigned long frames, struct kmalloc_ctx **kc,
		      void (*body)(struct ktest *t))
{
	struct kmalloc_ctx *saved = *kc;
	struct fixture_slab f;

	if (!fixture_slab_build(t, &f, frames))
		return;
	*kc = f.ctx;
	body(t);
	*kc = saved;
	fixture_slab_destroy(t, &f);
}
