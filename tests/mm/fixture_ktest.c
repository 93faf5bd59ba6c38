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

bool fixture_slab_build(struct ktest *t, struct fixture_slab *f, unsigned long frames)
{
	static const unsigned long zone_end[MAX_NR_ZONES] = { 64, 256, ~0UL };

	memset(f, 0, sizeof(*f));
	if (!fixture_enough_ram(t))
		return false;
	f->frames = frames;
	f->node = alloc_pages_exact(sizeof(*f->node), GFP_KERNEL);
	f->ctx = alloc_pages_exact(sizeof(*f->ctx), GFP_KERNEL);
	f->buf = alloc_pages_exact(frames << PAGE_SHIFT, GFP_KERNEL);
	if (!f->node || !f->ctx || !f->buf ||
	    fixture_node_build(f->node, f->buf, frames << PAGE_SHIFT, NULL, 0, zone_end) < 0) {
		ktest_fail(t, __FILE__, __LINE__, "no private node of %lu frames", frames);
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
	if (f->buf)
		free_pages_exact(f->buf, f->frames << PAGE_SHIFT);
	if (f->ctx)
		free_pages_exact(f->ctx, sizeof(*f->ctx));
	if (f->node)
		free_pages_exact(f->node, sizeof(*f->node));
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
