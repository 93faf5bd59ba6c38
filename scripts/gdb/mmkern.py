# scripts/gdb/mmkern.py - gdb commands that read mmkern's allocators out of the target's memory.
#
# Loaded by `make gdb` (or by hand: `source scripts/gdb/mmkern.py` with build/kernel.elf loaded).
#
#   mm-meminfo            MemTotal, MemFree, Slab, and one line per zone
#   mm-buddyinfo          /proc/buddyinfo lines, exactly as node_print_buddyinfo() prints them
#   mm-slabinfo [GLOB]    /proc/slabinfo 2.1, exactly as slabinfo_print() prints it
#   mm-page PFN|ADDR      one frame's descriptor, decoded
#   mm-obj ADDR           the cache, slab and object an address belongs to, allocated or free
#   mm-check              walk every free list, descriptor and slab; report broken invariants
#
# The commands only read memory: no function of the kernel is ever called, so they work at any
# stop, including in the middle of an allocator path (where mm-check may rightly see a structure
# half updated). Structures are read field by field through the DWARF type information, so
# fields may move or be added without breaking anything here. The page and cache flags are
# read from the ELF too (enum pageflags, enum slab_flags: load_enums()); the few facts that live
# only in macros are copied below and must follow mm/page.h, mm/zone.h and mm/slab.h.

import re
import struct

import gdb

# ---- facts from macros (no debug information for #defines) ----
PAGE_SHIFT = 12                         # mm/gfp.h
PAGE_SIZE = 1 << PAGE_SHIFT
SECTION_SHIFT = 27 - PAGE_SHIFT         # mm/zone.h: 128 MiB sections
PAGES_PER_SECTION = 1 << SECTION_SHIFT
KERNEL_VMA = 0xffffffff80000000         # kernel/arch.h: the kernel image, at physical + this
# mm/page.h struct slab_counters, one 32-bit word: inuse bits 0-14, frozen bit 15, freelist 16-31
SLAB_FREELIST_END = 0xffff              # mm/page.h
CTX_LINES = 2                           # lib/percpu.h PERCPU_CTX_LINES: cpu[] entries per CPU
RED_INACTIVE, RED_ACTIVE, POISON_FREE, POISON_END = 0xbb, 0xcc, 0x6b, 0xa5   # mm/slab_debug.c

U32 = (1 << 32) - 1
U64 = (1 << 64) - 1
MAX_CACHES = 4096                       # a longer cache list is taken to be corrupted
MAX_CHAIN = 1 << 16                     # objects of one slab never reach SLAB_FREELIST_END


class MmError(gdb.GdbError):
    """A clear, one-line failure of a command (shown by gdb without a traceback)."""


# ---- memory and types ----

def read(addr, size):
    return bytes(gdb.selected_inferior().read_memory(addr, size))


def read_u64(addr):
    return struct.unpack("<Q", read(addr, 8))[0]


def bswap64(x):
    return int.from_bytes((x & U64).to_bytes(8, "little"), "big")


def lookup_type(name):
    try:
        return gdb.lookup_type(name)
    except gdb.error:
        return None


# ---- facts from enums, read from the debug information by load_enums() before every command:
# mm/page.h's enum pageflags (page->flags) and mm/slab.h's enum slab_flags (kmem_cache->flags) ----
PG_reserved = PG_buddy = PG_slab = PG_head = PG_tail = 0
PG_NAMES = ()                           # (bit, name without PG_) for every enum pageflags value
SLAB_CONSISTENCY_CHECKS = SLAB_RED_ZONE = SLAB_POISON = SLAB_STORE_USER = SLAB_DEBUG_FLAGS = 0


def enum_values(name):
    """{enumerator: value} of the enum type name ("enum pageflags") of the debug information."""
    t = lookup_type(name)
    if t is None or t.strip_typedefs().code != gdb.TYPE_CODE_ENUM:
        raise MmError("no %s in the debug information: is build/kernel.elf loaded?" % name)
    return {f.name: f.enumval for f in t.strip_typedefs().fields()}


def load_enums():
    """Set the PG_* and SLAB_* globals from the ELF's enums (the ELF may have been rebuilt)."""
    global PG_reserved, PG_buddy, PG_slab, PG_head, PG_tail, PG_NAMES
    global SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER, SLAB_DEBUG_FLAGS
    pg, sl = enum_values("enum pageflags"), enum_values("enum slab_flags")
    try:
        PG_reserved, PG_buddy, PG_slab, PG_head, PG_tail = (
            pg["PG_" + n] for n in ("reserved", "buddy", "slab", "head", "tail"))
        SLAB_CONSISTENCY_CHECKS, SLAB_RED_ZONE, SLAB_POISON, SLAB_STORE_USER = (
            sl["SLAB_" + n] for n in ("CONSISTENCY_CHECKS", "RED_ZONE", "POISON", "STORE_USER"))
    except KeyError as e:
        raise MmError("the kernel's enum pageflags or enum slab_flags has no %s" % e)
    PG_NAMES = tuple((v, n[3:]) for n, v in sorted(pg.items(), key=lambda kv: kv[1]))
    SLAB_DEBUG_FLAGS = SLAB_CONSISTENCY_CHECKS | SLAB_RED_ZONE | SLAB_POISON | SLAB_STORE_USER


def struct_type(name):
    t = lookup_type(name)
    if t is None:
        raise MmError("no type %s in the debug information: is build/kernel.elf loaded?" % name)
    return t


def find_member(t, name):
    """(byte offset, type) of member name of struct/union t, looking into anonymous members."""
    t = t.strip_typedefs()
    for f in t.fields():
        if f.name == name:
            return f.bitpos // 8, f.type
        if not f.name:
            ft = f.type.strip_typedefs()
            if ft.code in (gdb.TYPE_CODE_STRUCT, gdb.TYPE_CODE_UNION):
                r = find_member(ft, name)
                if r is not None:
                    return f.bitpos // 8 + r[0], r[1]
    return None


def offsetof(t, path):
    """(byte offset, type) of a dotted member path such as "slab.inuse", or None."""
    off = 0
    for part in path.split("."):
        r = find_member(t, part)
        if r is None:
            return None
        off += r[0]
        t = r[1]
    return off, t


def is_signed(t):
    t = t.strip_typedefs()
    if t.code == gdb.TYPE_CODE_PTR:
        return False
    try:
        return bool(t.is_signed)
    except (AttributeError, ValueError):
        return not (t.name or "").startswith(("unsigned", "u", "_Bool", "bool"))


class Field:
    """An integer (or pointer) member at a fixed offset, decoded from raw bytes."""

    def __init__(self, off, t):
        t = t.strip_typedefs()
        fmt = {1: "b", 2: "h", 4: "i", 8: "q"}[t.sizeof]
        self.off = off
        self.st = struct.Struct("<" + (fmt if is_signed(t) else fmt.upper()))

    def get(self, buf, base=0):
        return self.st.unpack_from(buf, base + self.off)[0]


def member(v, name, default=None):
    """Field name of struct value v as a Python int, or default when the type has no such field."""
    if find_member(v.type, name) is None:
        return default
    return int(v[name])


def cstring(v, limit=64):
    """The C string a char pointer value points to, at most limit characters."""
    addr = int(v)
    if addr == 0:
        return "(null)"
    try:
        data = read(addr, limit)
    except gdb.MemoryError:         # near the end of mapped memory: byte by byte
        data = b""
        try:
            while len(data) < limit and not data.endswith(b"\0"):
                data += read(addr + len(data), 1)
        except gdb.MemoryError:
            if not data:
                return "(unreadable name at %#x)" % addr
    end = data.find(b"\0")
    return data[: end if end >= 0 else limit].decode("latin-1")


def c_hex(v):
    """C's %#lx: 0 prints as 0, not 0x0."""
    return "%#x" % v if v else "0"


def global_value(name, files=()):
    """The value of a global or file-static variable, whatever the current frame: first the
    static of that name in one of files (the source that defines it), then any global or
    static of that name."""
    for f in files:
        try:
            return gdb.parse_and_eval("'%s'::%s" % (f, name))
        except gdb.error:
            pass
    sym = gdb.lookup_global_symbol(name)
    if sym is None:
        sym = gdb.lookup_static_symbol(name)
    return sym.value() if sym is not None else None


def symbolize(addr):
    """A code address as "function+0xoff (file:line)", the way %pS would print it."""
    try:
        out = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        out = ""
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", out)
    s = "%s+%#x" % (m.group(1), int(m.group(2) or 0)) if m else "%#x" % addr
    where = []
    try:    # the innermost function, which is not the ELF symbol when the caller was inlined
        b = gdb.block_for_pc(addr - 1)
        while b is not None and b.function is None:
            b = b.superblock
        if b is not None and m and b.function.name != m.group(1):
            where.append("in " + b.function.name)
    except RuntimeError:
        pass
    sal = gdb.find_pc_line(addr - 1)    # the call, not the instruction after it
    if sal.symtab is not None:
        where.append("%s:%d" % (sal.symtab.filename, sal.line))
    return s + (" (%s)" % ", ".join(where) if where else "")


def data_symbol(addr):
    """A data address as "symbol+0xoff", or the bare address."""
    try:
        out = gdb.execute("info symbol %#x" % addr, to_string=True).strip()
    except gdb.error:
        out = ""
    m = re.match(r"(\S+)(?: \+ (\d+))? in section", out)
    return "%s+%#x" % (m.group(1), int(m.group(2) or 0)) if m else "%#x" % addr


def flag_names(flags):
    names = [n for bit, n in PG_NAMES if flags & bit]
    rest = flags & ~sum(bit for bit, _ in PG_NAMES)
    if rest:
        names.append("%#x" % rest)
    return ",".join(names) or "none"


# ---- the node, its zones and its descriptors ----

class Page:
    """One decoded struct page."""
    __slots__ = ("addr", "pfn", "next", "prev", "private", "flags", "order", "zone",
                 "refcount", "counters", "inuse", "frozen", "freelist")


class PageLayout:
    """Offsets of struct page's members, taken from the debug information."""

    def __init__(self):
        t = struct_type("struct page")
        self.size = t.sizeof
        lru = offsetof(t, "lru")
        if lru is None:
            raise MmError("struct page has no member lru")
        self.lru_off = lru[0]
        lh = struct_type("struct list_head")
        self.next_off = offsetof(lh, "next")[0]
        self.prev_off = offsetof(lh, "prev")[0]
        self.fields = {}
        for name, path in (("next", "lru.next"), ("prev", "lru.prev"), ("private", "private"),
                           ("flags", "flags"), ("order", "order"), ("zone", "zone"),
                           ("refcount", "refcount"), ("counters", "counters")):
            r = offsetof(t, path)
            self.fields[name] = Field(*r) if r is not None else None
        self.f_flags = self.fields["flags"]
        self.f_order = self.fields["order"]
        self.f_refcount = self.fields["refcount"]
        self.f_private = self.fields["private"]
        self.f_zone = self.fields["zone"]

    def decode(self, buf, base, addr, pfn):
        p = Page()
        p.addr, p.pfn = addr, pfn
        for name, f in self.fields.items():
            setattr(p, name, f.get(buf, base) if f is not None else 0)
        p.inuse, p.frozen, p.freelist = p.counters & 0x7fff, (p.counters >> 15) & 1, p.counters >> 16
        return p


class Zone:
    pass


class Node:
    """contig_node, read once per command."""

    def __init__(self, cmd):
        v = global_value("contig_node")
        if v is None:
            raise MmError("%s: no symbol contig_node: load build/kernel.elf first" % cmd)
        self.cmd = cmd
        self.max_pfn = int(v["max_pfn"])
        self.nr_nodes = member(v, "nr_nodes", 1)
        self.nr_cpus = member(v, "nr_cpus", 1)          # CPUs that allocate
        self.vmemmap = int(v["vmemmap"])
        self.virt_base = int(v["virt_base"])
        sections = int(v["sections"])
        if self.max_pfn == 0 or self.vmemmap == 0 or sections == 0:
            raise MmError("%s: the page allocator is not initialised yet (contig_node.max_pfn is "
                          "0): stop after mm_setup(), e.g. `hbreak kmem_cache_init`" % cmd)
        nsec = (self.max_pfn + PAGES_PER_SECTION - 1) >> SECTION_SHIFT
        words = (nsec + 63) // 64
        try:
            self.sections = struct.unpack("<%dQ" % words, read(sections, 8 * words))
        except gdb.MemoryError:
            raise MmError("%s: cannot read the section bitmap at %#x" % (cmd, sections))
        self.nsec = nsec
        self.layout = PageLayout()
        self.zones = []
        zv = v["zones"]
        lo, hi = zv.type.strip_typedefs().range()
        hi = min(hi, lo + member(v, "nr_zones", hi - lo + 1) - 1)   # zones in use
        for i in range(lo, hi + 1):
            z = zv[i]
            zone = Zone()
            zone.index = i
            zone.nid = member(z, "nid", 0)
            zone.name = cstring(z["name"], 16)
            zone.start_pfn = int(z["start_pfn"])
            zone.end_pfn = int(z["end_pfn"])
            zone.present = member(z, "present_pages", 0)
            zone.managed = int(z["managed_pages"])
            zone.free = int(z["free_pages"])
            zone.watermark = [int(z["watermark"][k]) for k in range(3)]
            lr = z["lowmem_reserve"]
            rlo, rhi = lr.type.strip_typedefs().range()
            zone.lowmem_reserve = [int(lr[k]) for k in range(rlo, rhi + 1)]
            fa = z["free_area"]
            flo, fhi = fa.type.strip_typedefs().range()
            zone.free_area = [(int(fa[k]["nr_free"]), list_heads(fa[k]["free_list"]))
                              for k in range(flo, fhi + 1)]   # a list per migratetype
            zone.pcp = []               # per CPU: (count, high, batch, list head per order)
            if find_member(z.type, "pcp") is not None:
                pv = z["pcp"]
                plo, phi = pv.type.strip_typedefs().range()
                for cpu in range(plo, phi + 1):
                    pc = pv[cpu]
                    lists = pc["lists"]
                    llo, lhi = lists.type.strip_typedefs().range()
                    per = max(1, (lhi + 1 - llo) // 4)     # lists per order (NR_PCP_TYPES)
                    zone.pcp.append((int(pc["count"]), member(pc, "high", 0), member(pc, "batch", 0),
                                     [((k - llo) // per, int(lists[k].address))
                                      for k in range(llo, lhi + 1)]))
            zone.pcp_count = sum(c[0] for c in zone.pcp)
            self.zones.append(zone)
        self.nr_orders = len(self.zones[0].free_area)
        self.max_order = self.nr_orders - 1
        self._bulk = None

    # pfn <-> addresses
    def pfn_valid(self, pfn):
        s = pfn >> SECTION_SHIFT
        return 0 <= pfn < self.max_pfn and (self.sections[s // 64] >> (s % 64)) & 1 == 1

    def page_addr(self, pfn):
        return self.vmemmap + pfn * self.layout.size

    def pfn_of_desc(self, addr):
        """pfn of a descriptor address, or None if addr is not a valid descriptor."""
        d = addr - self.vmemmap
        if d < 0 or d % self.layout.size:
            return None
        pfn = d // self.layout.size
        return pfn if self.pfn_valid(pfn) else None

    def pfn_of_virt(self, addr):
        """pfn of a direct-map address (any in RAM with a descriptor), or None."""
        if addr < self.virt_base:
            return None
        pfn = (addr - self.virt_base) >> PAGE_SHIFT
        return pfn if pfn < self.max_pfn else None

    def virt(self, pfn):
        return self.virt_base + (pfn << PAGE_SHIFT)

    def zone_of_pfn(self, pfn):
        for z in self.zones:
            if z.start_pfn <= pfn < z.end_pfn:
                return z
        return None

    # descriptors
    def page(self, pfn):
        if self._bulk is not None:
            return self.bulk_page(pfn)
        addr = self.page_addr(pfn)
        return self.layout.decode(read(addr, self.layout.size), 0, addr, pfn)

    def page_at(self, addr):
        """The descriptor at addr if it is one, else None."""
        pfn = self.pfn_of_desc(addr)
        return None if pfn is None else self.page(pfn)

    def load_all(self):
        """Read every present section's descriptors at once (for the full walks)."""
        self._bulk = {}
        for s in range(self.nsec):
            if not (self.sections[s // 64] >> (s % 64)) & 1:
                continue
            first = s << SECTION_SHIFT
            n = min(PAGES_PER_SECTION, self.max_pfn - first)
            self._bulk[s] = read(self.page_addr(first), n * self.layout.size)

    def bulk_page(self, pfn):
        s = pfn >> SECTION_SHIFT
        off = (pfn - (s << SECTION_SHIFT)) * self.layout.size
        return self.layout.decode(self._bulk[s], off, self.page_addr(pfn), pfn)

    def bulk_field(self, f, pfn):
        s = pfn >> SECTION_SHIFT
        return f.get(self._bulk[s], (pfn - (s << SECTION_SHIFT)) * self.layout.size)

    # blocks
    def pcp_blocks(self, z):
        """Blocks on the per-CPU lists of zone z: {head pfn: (cpu, order)}; broken lists are
        followed as far as they go (mm-check reports them)."""
        blocks = {}
        for cpu, (count, _, _, heads) in enumerate(z.pcp):
            for k, head in heads:
                nodes, _ = list_nodes(head, self.layout, count + 1)
                for n in nodes:
                    pfn = self.pfn_of_desc(n - self.layout.lru_off)
                    if pfn is not None:
                        blocks[pfn] = (cpu, k)
        return blocks

    def pcp_block_of(self, pfn):
        """(head pfn, cpu, order) of the per-CPU list block holding pfn, or None."""
        z = self.zone_of_pfn(pfn)
        if z is None or not z.pcp:
            return None
        blocks = self.pcp_blocks(z)
        for h, (cpu, k) in blocks.items():
            if h <= pfn < h + (1 << k):
                return h, cpu, k
        return None

    def free_block_of(self, pfn):
        """(head pfn, order) of the free buddy block holding pfn, or None."""
        for k in range(0, self.nr_orders):
            h = pfn & ~((1 << k) - 1)
            if not self.pfn_valid(h):
                continue
            p = self.page(h)
            if p.flags & PG_buddy and p.order == k:
                return h, k
        return None

    def alloc_block_of(self, pfn):
        """(head pfn, order) of the allocated block whose tail frame pfn is, or None."""
        for k in range(1, self.nr_orders):
            h = pfn & ~((1 << k) - 1)
            if h == pfn or not self.pfn_valid(h):
                continue
            p = self.page(h)
            if (not p.flags & (PG_buddy | PG_reserved | PG_slab | PG_head) and p.refcount > 0
                    and h + (1 << p.order) > pfn):
                return h, p.order
        return None


def zone_name(node, index):
    return node.zones[index].name if 0 <= index < len(node.zones) else "zone#%d" % index


# ---- slab caches ----

class Cache:
    """One struct kmem_cache, read by member name."""

    def __init__(self, addr):
        t = struct_type("struct kmem_cache")
        v = gdb.Value(addr).cast(t.pointer()).dereference()
        self.addr = addr
        self.name = cstring(v["name"], 32)
        self.object_size = int(v["object_size"])
        self.size = int(v["size"])
        self.offset = int(v["offset"])
        self.order = int(v["order"])
        self.objects = int(v["objects"])
        self.flags = int(v["flags"])
        self.random = int(v["random"]) & U64
        self.red_left_pad = member(v, "red_left_pad", 0)
        self.inuse = member(v, "inuse", None)
        self.track_offset = member(v, "track_offset", None)   # None: this kernel has no tracking
        self.nr_partial = int(v["nr_partial"])
        self.nr_slabs = int(v["nr_slabs"])
        self.nr_isolated = member(v, "nr_isolated", 0)
        cpu = v["cpu"]
        ct = cpu.type.strip_typedefs()
        if ct.code != gdb.TYPE_CODE_ARRAY:
            cpus = [cpu]
        else:
            lo, hi = ct.range()
            if hi < lo:             # cpu[]: two entries (process, hardirq context) per CPU id
                n = member(v, "nr_cpus", None)
                if n is None:
                    n = global_value("slab_nr_cpus", ("mm/slab.c",))
                hi = lo + CTX_LINES * (int(n) if n is not None else 1) - 1
            cpus = [cpu[i] for i in range(lo, hi + 1)]
        self.cpus = [(int(c["freelist"]), int(c["slab"])) for c in cpus]
        # Each entry's partial list (frozen slabs linked by lru.next), where the kernel has one.
        self.cpu_partial_heads = [member(c, "partial", 0) for c in cpus]
        self.cpu_partial_counts = [member(c, "nr_partial", 0) for c in cpus]
        self.cpu_partial = member(v, "cpu_partial", 0)
        self.partial_head = int(v["partial"].address)
        self.full_head = int(v["full"].address) if find_member(t, "full") else None

    def debug(self):
        return bool(self.flags & SLAB_DEBUG_FLAGS)

    def freepointer(self, obj):
        slot = obj + self.offset
        return read_u64(slot) ^ self.random ^ bswap64(slot)

    def chain(self, first, limit=MAX_CHAIN):
        """The objects of a hardened freelist from first: (list, problem or None)."""
        objs, seen, o = [], set(), first
        while o:
            if o in seen:
                return objs, "loops back to %#x after %d objects" % (o, len(objs))
            if len(objs) >= limit:
                return objs, "longer than %d objects" % limit
            try:
                nxt = self.freepointer(o)
            except gdb.MemoryError:
                return objs, ("object %#x unreadable (%s)" % (
                    o, "%d objects in, after %#x" % (len(objs), objs[-1]) if objs else "first"))
            seen.add(o)
            objs.append(o)
            o = nxt
        return objs, None

    def obj(self, base, i):
        return base + i * self.size + self.red_left_pad

    def index_of(self, base, obj):
        """Index of obj if it is an object start of the slab at base, else None."""
        off = obj - base - self.red_left_pad
        if off < 0 or off % self.size or off // self.size >= self.objects:
            return None
        return off // self.size

    def slab_chain(self, node, slab):
        """Objects on a slab's own freelist (index of the first, then hardened pointers)."""
        if slab.freelist == SLAB_FREELIST_END:
            return [], None
        return self.chain(self.obj(node.virt(slab.pfn), slab.freelist))


def cache_list(cmd):
    """Addresses of every struct kmem_cache on slab_caches, in list order."""
    head = global_value("slab_caches", ("mm/slab.c",))
    if head is None:
        raise MmError("%s: no symbol slab_caches: load build/kernel.elf first" % cmd)
    head = int(head.address)
    lh = struct_type("struct list_head")
    next_off = offsetof(lh, "next")[0]
    list_off = offsetof(struct_type("struct kmem_cache"), "list")[0]
    caches, seen = [], set()
    pos = read_u64(head + next_off)
    while pos != head:
        if pos == 0 or pos in seen or len(caches) >= MAX_CACHES:
            raise MmError("%s: the slab_caches list is broken after %d caches (link %#x)"
                          % (cmd, len(caches), pos))
        seen.add(pos)
        caches.append(pos - list_off)
        pos = read_u64(pos + next_off)
    if not caches:
        raise MmError("%s: the slab allocator is not initialised yet (slab_caches is empty): "
                      "stop after kmem_cache_init()" % cmd)
    return caches


def list_heads(v):
    """Addresses of the list heads of v: one struct list_head, or an array of them (the free
    lists of one order, one per migratetype)."""
    t = v.type.strip_typedefs()
    if t.code == gdb.TYPE_CODE_ARRAY:
        lo, hi = t.range()
        return [int(v[i].address) for i in range(lo, hi + 1)]
    return [int(v.address)]


def list_nodes(head, layout, limit):
    """The list_head addresses of a list: (nodes, problem or None). Checks next->prev links."""
    nodes, seen, pos = [], set(), head
    while True:
        try:
            nxt = read_u64(pos + layout.next_off)
            if read_u64(nxt + layout.prev_off) != pos:
                return nodes, "broken link: %#x->next = %#x, whose prev is not %#x" % (pos, nxt, pos)
        except gdb.MemoryError:
            return nodes, "unreadable link at %#x" % pos
        if nxt == head:
            return nodes, None
        if nxt in seen or len(nodes) >= limit:
            return nodes, "loop or more than %d entries" % limit
        seen.add(nxt)
        nodes.append(nxt)
        pos = nxt


def cache_free_objects(node, c, notes):
    """cache_free_objects() of mm/slab_shrink.c: CPU freelists + (objects - inuse) of the CPU
    slabs, the CPU partial slabs and the partial slabs, with C's unsigned arithmetic."""
    free = 0
    for cpu, (freelist, slab) in enumerate(c.cpus):
        objs, err = c.chain(freelist)
        if err:
            notes.append("%s: %s freelist %s" % (c.name, cpu_label(cpu), err))
        free += len(objs)
        if slab:
            p = node.page_at(slab)
            if p is None:
                notes.append("%s: %s slab %#x is not a descriptor" % (c.name, cpu_label(cpu), slab))
                continue
            free += (c.objects - p.inuse) & U32
    for i in range(len(c.cpus)):
        descs, err = cpu_partial_chain(c, node.layout, i)
        if err:
            notes.append("%s: %s partial list %s" % (c.name, cpu_label(i), err))
        for d in descs:
            data = read(d, node.layout.size)
            free += (c.objects - (node.layout.fields["counters"].get(data) & 0x7fff)) & U32
    nodes, err = list_nodes(c.partial_head, node.layout, MAX_CHAIN)
    if err:
        notes.append("%s: partial list %s" % (c.name, err))
    for n in nodes:
        data = read(n - node.layout.lru_off, node.layout.size)
        free += (c.objects - (node.layout.fields["counters"].get(data) & 0x7fff)) & U32
    return free & U64


def slabinfo_line(c, active, total):
    return ("%-17s %6d %6d %6d %4d %4d : tunables %4d %4d %4d : slabdata %6d %6d %6d"
            % (c.name, active, total, c.size, c.objects, 1 << c.order, 0, 0, 0,
               c.nr_slabs, c.nr_slabs, 0))


# ---- commands ----

class MmCommand(gdb.Command):
    """Shared error handling: unreadable memory becomes a one-line error."""

    def invoke(self, arg, from_tty):
        try:
            load_enums()
            self.run(arg.strip())
        except gdb.MemoryError as e:
            raise MmError("%s: cannot read the target's memory (%s): the structures are not "
                          "initialised yet, or corrupted" % (self.cmd, e))
        except gdb.error as e:      # e.g. a member this script expects is gone from the kernel
            raise MmError("%s: %s" % (self.cmd, e))

    def parse_address(self, arg):
        if not arg:
            raise MmError("usage: %s %s" % (self.cmd, self.usage))
        try:
            v = gdb.parse_and_eval(arg)
        except gdb.error as e:
            raise MmError("%s: %s" % (self.cmd, e))
        code = v.type.strip_typedefs().code
        if code == gdb.TYPE_CODE_ARRAY and v.address is not None:
            return v, int(v.address) & U64
        if code not in (gdb.TYPE_CODE_PTR, gdb.TYPE_CODE_INT, gdb.TYPE_CODE_ENUM,
                        gdb.TYPE_CODE_CHAR, gdb.TYPE_CODE_BOOL):
            raise MmError("%s: %s is not an address or a number" % (self.cmd, arg))
        return v, int(v) & U64


class MmMeminfo(MmCommand):
    """Show MemTotal, MemFree and Slab as in /proc/meminfo, then one line per zone.

Usage: mm-meminfo

MemTotal and MemFree are computed as node_print_meminfo() does: managed frames, and free
frames (on the buddy free lists plus the per-CPU page lists) of every zone of contig_node.
Slab is every page held by the slab caches (nr_slabs << order). The zone lines are
node_print_zones()'s (span, present, managed and buddy-free frames, watermarks, lowmem
reserves), followed by each CPU's page-list count, high and batch. Reads memory only."""

    cmd = "mm-meminfo"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        node = Node(self.cmd)
        kb = PAGE_SIZE // 1024
        total = sum(z.managed for z in node.zones)
        free = sum(z.free + z.pcp_count for z in node.zones)   # node_nr_free_pages()
        out = ["MemTotal:       %8d kB" % (total * kb), "MemFree:        %8d kB" % (free * kb)]
        for nid in range(node.nr_nodes if node.nr_nodes > 1 else 0):
            zs = [z for z in node.zones if z.nid == nid]
            out.append("Node %d MemTotal:       %8d kB" % (nid, sum(z.managed for z in zs) * kb))
            out.append("Node %d MemFree:        %8d kB" % (nid, sum(z.free + z.pcp_count for z in zs) * kb))
        try:
            caches = [Cache(a) for a in cache_list(self.cmd)]
            slab = sum(c.nr_slabs << c.order for c in caches)
            out.append("Slab:           %8d kB" % (slab * kb))
        except MmError as e:
            out.append("Slab:           (%s)" % e)
        for z in node.zones:
            if not z.present:
                continue
            line = ("%szone %-6s: pfn %s-%s present %d managed %d free %d min %d low %d high %d "
                    "reserve %s" % ("node %d " % z.nid if node.nr_nodes > 1 else "",
                                    z.name, c_hex(z.start_pfn), c_hex(z.end_pfn - 1),
                                    z.present, z.managed,
                                    z.free, z.watermark[0], z.watermark[1], z.watermark[2],
                                    "/".join(str(r) for r in z.lowmem_reserve)))
            for cpu, (count, high, batch, _) in enumerate(z.pcp[:node.nr_cpus]):
                line += "; cpu%d pcp %d (high %d batch %d)" % (cpu, count, high, batch)
            out.append(line)
        gdb.write("\n".join(out) + "\n")


class MmBuddyinfo(MmCommand):
    """Show the free blocks of every order per zone, as /proc/buddyinfo.

Usage: mm-buddyinfo

One line per zone with managed frames, read from zone->free_area[order].nr_free, in exactly
the format of the kernel's node_print_buddyinfo():
  Node 0, zone    DMA32      1      1      0 ...   (orders 0 to 10: 4 KiB to 4 MiB)
mm-check walks the lists themselves. Reads memory only."""

    cmd = "mm-buddyinfo"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        node = Node(self.cmd)
        out = []
        for z in node.zones:
            if not z.managed:
                continue
            out.append("Node %d, zone %8s " % (z.nid, z.name)
                       + "".join("%6d " % nr for nr, _ in z.free_area))
        gdb.write("\n".join(out) + "\n" if out else "mm-buddyinfo: no zone has managed frames yet\n")


class MmSlabinfo(MmCommand):
    """Show every slab cache as /proc/slabinfo (version 2.1).

Usage: mm-slabinfo [GLOB]

Walks slab_caches in order and prints exactly what the kernel's slabinfo_print() would print
now: active objects are all objects minus the free ones, and the free ones are those on each
CPU freelist (following the hardened pointers: stored ^ cache->random ^ bswap64(slot address)),
plus objects - inuse of each CPU's active slab and of each slab on the partial list. GLOB (shell
pattern, e.g. 'kmalloc-1*') keeps only the caches whose name matches. A broken freelist or list
is reported after the table. Reads memory only."""

    cmd = "mm-slabinfo"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        import fnmatch
        node = Node(self.cmd)
        out = ["slabinfo - version: 2.1",
               "# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab>"
               " : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs>"
               " <num_slabs> <sharedavail>"]
        notes = []
        for addr in cache_list(self.cmd):
            c = Cache(addr)
            if arg and not fnmatch.fnmatchcase(c.name, arg):
                continue
            total = (c.nr_slabs * c.objects) & U64
            active = (total - cache_free_objects(node, c, notes)) & U64
            out.append(slabinfo_line(c, active, total))
        out += ["mm-slabinfo: warning: " + n for n in notes]
        gdb.write("\n".join(out) + "\n")


def describe_page(node, p):
    """Lines saying what the frame of descriptor p is used for."""
    pfn = p.pfn
    if p.flags & PG_reserved:
        return ["state: reserved (not managed by the buddy allocator: hole, kernel, boot data or "
                "metadata)"]
    if p.flags & PG_buddy:
        z = zone_name(node, p.zone)
        return ["state: free, head of an order-%d block (pfn %#x-%#x, %d KiB) on zone %s "
                "free_area[%d]" % (p.order, pfn, pfn + (1 << p.order) - 1,
                                   (PAGE_SIZE << p.order) // 1024, z, p.order)]
    if p.flags & PG_slab:
        return describe_slab(node, p)
    if p.flags & PG_tail:
        head = node.page_at(p.private)
        if head is None:
            return ["state: tail frame whose head pointer %#x is not a descriptor" % p.private]
        what = "state: frame %d of the %s whose head is pfn %#x (struct page *)%#x" % (
            pfn - head.pfn, "slab" if head.flags & PG_slab else
            "large kmalloc" if head.flags & PG_head else "block", head.pfn, head.addr)
        return [what] + ["  head " + l for l in describe_page(node, head)]
    if p.flags & PG_head:
        pages = (p.private + PAGE_SIZE - 1) >> PAGE_SHIFT
        return ["state: large kmalloc of %d bytes (%d pages, pfn %#x-%#x) at %#x" % (
            p.private, pages, pfn, pfn + pages - 1, node.virt(pfn))]
    if p.refcount > 0:
        return ["state: allocated, head of an order-%d block (%d KiB), refcount %d" % (
            p.order, (PAGE_SIZE << p.order) // 1024, p.refcount)]
    pb = node.pcp_block_of(pfn)
    if pb:
        h, cpu, k = pb
        where = "head" if h == pfn else "frame %d" % (pfn - h)
        return ["state: free, %s of an order-%d block (pfn %#x-%#x) on CPU %d's per-CPU page "
                "list of zone %s" % (where, k, h, h + (1 << k) - 1, cpu, zone_name(node, p.zone))]
    fb = node.free_block_of(pfn)
    if fb:
        return ["state: free, frame %d of the free order-%d block at pfn %#x" % (
            pfn - fb[0], fb[1], fb[0])]
    ab = node.alloc_block_of(pfn)
    if ab:
        return ["state: allocated, frame %d of the order-%d block at pfn %#x" % (
            pfn - ab[0], ab[1], ab[0])]
    return ["state: refcount 0 and not on a free list: a tail frame of a split block, or a "
            "frame on its way in or out of the allocator"]


def cpu_label(i):
    """Name of entry i of a cache's cpu[]: CPU i/2, process or hardirq context (lib/percpu.h)."""
    return "CPU %d%s" % (i // CTX_LINES, " (hardirq)" if i % CTX_LINES else "")


def slab_cpu(c, slab_addr):
    for cpu, (_, s) in enumerate(c.cpus):
        if s == slab_addr:
            return cpu
    return None


def cpu_partial_chain(c, layout, i, limit=None):
    """Descriptor addresses on entry i's partial list: (list, problem or None)."""
    limit = c.cpu_partial + 1 if limit is None else limit
    descs, seen, d = [], set(), c.cpu_partial_heads[i]
    while d:
        if d in seen or len(descs) >= limit:
            return descs, "loop or more than %d slabs" % limit
        seen.add(d)
        descs.append(d)
        try:
            d = read_u64(d + layout.lru_off + layout.next_off)
        except gdb.MemoryError:
            return descs, "unreadable link in descriptor %#x" % d
    return descs, None


def slab_cpu_partial(c, layout, slab_addr):
    """The entry whose partial list holds slab_addr, or None."""
    for i in range(len(c.cpus)):
        if slab_addr in cpu_partial_chain(c, layout, i)[0]:
            return i
    return None


def describe_slab(node, p):
    try:
        c = Cache(p.private)
    except gdb.MemoryError:
        return ["state: slab whose cache pointer %#x is unreadable" % p.private]
    cpu = slab_cpu(c, p.addr)
    pcpu = slab_cpu_partial(c, node.layout, p.addr) if cpu is None else None
    if cpu is not None:
        where = "active slab of %s" % cpu_label(cpu)
    elif pcpu is not None:
        where = "on the partial list of %s" % cpu_label(pcpu)
    elif p.frozen:
        where = "frozen, but no CPU's active or partial slab"
    elif p.freelist != SLAB_FREELIST_END:
        where = "on the partial list"
    else:
        where = "full" + (" (on the full list)" if c.debug() else "")
    fl = "none" if p.freelist == SLAB_FREELIST_END else "object %d" % p.freelist
    return ["state: slab of cache %s (struct kmem_cache *)%#x, %s" % (c.name, c.addr, where),
            "  order %d (%d page%s), %d objects of %d bytes (stride %d), inuse %d, own freelist %s"
            % (c.order, 1 << c.order, "s" if c.order else "", c.objects, c.object_size, c.size,
               p.inuse, fl)]


class MmPage(MmCommand):
    """Decode the descriptor (struct page) of one frame.

Usage: mm-page PFN|ADDRESS|DESCRIPTOR
       mm-page -p PHYSICAL-ADDRESS

The argument is any gdb expression. A number below contig_node.max_pfn is a frame number; a
struct page pointer (or an address inside the vmemmap) is a descriptor; an address in the
direct map (0xffff888000000000 + physical) or in the kernel image is converted to its frame.
Prints the frame's addresses, zone, flags, order, refcount or slab counters, and its state:
free (and in which block), allocated, reserved, slab (cache, inuse, list) or large kmalloc.
Reads memory only."""

    cmd = "mm-page"
    usage = "PFN|ADDRESS|DESCRIPTOR  or  mm-page -p PHYSICAL-ADDRESS"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        phys = arg.startswith("-p ")
        v, a = self.parse_address(arg[3:].strip() if phys else arg)
        node = Node(self.cmd)
        t = v.type.strip_typedefs()
        is_desc = t.code == gdb.TYPE_CODE_PTR and t.target().strip_typedefs().tag == "page"
        end_vmemmap = node.page_addr(node.max_pfn)
        if phys:
            pfn, how = a >> PAGE_SHIFT, "physical address %#x" % a
        elif is_desc or node.vmemmap <= a < end_vmemmap:
            if (a - node.vmemmap) % node.layout.size:
                raise MmError("%s: %#x is inside the vmemmap but not at a descriptor" % (self.cmd, a))
            pfn, how = (a - node.vmemmap) // node.layout.size, "descriptor %#x" % a
        elif a < node.max_pfn:
            pfn, how = a, None
        elif node.pfn_of_virt(a) is not None:
            pfn, how = node.pfn_of_virt(a), "direct-map address %#x" % a
        elif a >= KERNEL_VMA:
            pfn, how = (a - KERNEL_VMA) >> PAGE_SHIFT, "kernel-image address %#x" % a
        else:
            raise MmError("%s: %#x is neither a frame number (max_pfn is %#x), a descriptor, nor "
                          "a direct-map or kernel address" % (self.cmd, a, node.max_pfn))
        if not node.pfn_valid(pfn):
            raise MmError("%s: pfn %#x has no descriptor (outside RAM, a hole or beyond max_pfn "
                          "%#x)" % (self.cmd, pfn, node.max_pfn))
        p = node.page(pfn)
        out = ["pfn %#x%s: phys %#x, virt %#x, (struct page *)%#x" % (
            pfn, " (%s)" % how if how else "", pfn << PAGE_SHIFT, node.virt(pfn), p.addr)]
        zone = zone_name(node, p.zone)
        counters = ("slab.inuse %d, slab.frozen %d, slab.freelist %#x" % (p.inuse, p.frozen, p.freelist)
                    if p.flags & PG_slab else "refcount %d" % p.refcount)
        out.append("  zone %s, flags %#x [%s], order %d, private %#x, %s" % (
            zone, p.flags, flag_names(p.flags), p.order, p.private, counters))
        out += ["  " + l for l in describe_page(node, p)]
        gdb.write("\n".join(out) + "\n")


def isolated_objects():
    """Objects slab_debug.c isolated as corrupted: set of addresses (empty if not available)."""
    v = global_value("isolated", ("mm/slab_debug.c",))
    if v is None or v.type.strip_typedefs().code != gdb.TYPE_CODE_ARRAY:
        return set()
    lo, hi = v.type.strip_typedefs().range()
    try:
        return {int(v[i]["obj"]) for i in range(lo, hi + 1) if int(v[i]["obj"])}
    except gdb.error:
        return set()


def track_lines(c, obj):
    """The last alloc/free callers of obj (SLAB_STORE_USER), or why there are none."""
    if c.track_offset is None:
        return ["tracking: none (this kernel's struct kmem_cache has no track_offset)"]
    if not c.flags & SLAB_STORE_USER or not c.track_offset:
        return ["tracking: none (cache %s has no SLAB_STORE_USER: boot with slub_debug=U)" % c.name]
    tt = lookup_type("struct slab_track")
    size, f_addr, f_when = 16, 0, 8
    if tt is not None:
        size, f_addr, f_when = tt.sizeof, offsetof(tt, "addr")[0], offsetof(tt, "when")[0]
    out = []
    for i, what in enumerate(("last alloc", "last free")):
        t = obj + c.track_offset + i * size
        addr, when = read_u64(t + f_addr), read_u64(t + f_when)
        out.append("%-11s %s" % (what + ":", "never" if addr == 0 else
                                 "%s, op %d" % (symbolize(addr), when)))
    return out


class MmObj(MmCommand):
    """Say which cache, slab and object an address belongs to, and whether it is allocated.

Usage: mm-obj ADDRESS

ADDRESS is any gdb expression (a pointer variable, a register, a number). For an address in a
slab: the cache, the slab (pfn, state), the object's start and index and where the address
falls in it (object, red zone, metadata), and whether the object is allocated or free (on a
CPU freelist or its slab's own freelist, decoding the hardened pointers); with slub_debug=U,
the last allocating and freeing callers as symbols, like Linux's kmem_dump_obj(). Addresses of
large kmallocs, free or allocated page blocks and reserved frames are described too.
Reads memory only."""

    cmd = "mm-obj"
    usage = "ADDRESS"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        _, a = self.parse_address(arg)
        node = Node(self.cmd)
        pfn = node.pfn_of_virt(a)
        if pfn is None:
            if a >= KERNEL_VMA:
                raise MmError("%s: %#x is in the kernel image (%s), not in the direct map: not a "
                              "heap object" % (self.cmd, a, data_symbol(a)))
            raise MmError("%s: %#x is not a direct-map address (0xffff888000000000 + physical, "
                          "below max_pfn %#x)" % (self.cmd, a, node.max_pfn))
        if not node.pfn_valid(pfn):
            raise MmError("%s: %#x is in pfn %#x, which has no descriptor" % (self.cmd, a, pfn))
        p = node.page(pfn)
        head = p
        if p.flags & PG_tail:
            head = node.page_at(p.private)
            if head is None:
                raise MmError("%s: pfn %#x is a tail frame with a bad head pointer %#x"
                              % (self.cmd, pfn, p.private))
        if not head.flags & PG_slab:
            out = ["%#x is not in a slab: pfn %#x" % (a, pfn)] + describe_page(node, p)
            if head.flags & PG_head:
                out.append("object: offset %d into the large kmalloc at %#x" % (
                    a - node.virt(head.pfn), node.virt(head.pfn)))
            gdb.write("\n".join(out) + "\n")
            return
        c = Cache(head.private)
        base = node.virt(head.pfn)
        unit = (a - base) // c.size
        if unit >= c.objects:
            gdb.write("%#x is in slab pfn %#x of cache %s, in the unused tail after its %d objects\n"
                      % (a, head.pfn, c.name, c.objects))
            return
        obj = c.obj(base, unit)
        delta = a - obj
        if delta < 0:
            where = "in the left red zone, %d bytes before the object" % -delta
        elif delta < c.object_size:
            where = "+%#x of %d bytes" % (delta, c.object_size)
        else:
            where = "in the metadata after the object (+%#x; object_size %d)" % (delta, c.object_size)
        cpu = slab_cpu(c, head.addr)
        pcpu = slab_cpu_partial(c, node.layout, head.addr) if cpu is None else None
        slab_state = ("active slab of %s" % cpu_label(cpu) if cpu is not None else
                      "on the partial list of %s" % cpu_label(pcpu) if pcpu is not None else
                      "on the partial list" if head.freelist != SLAB_FREELIST_END else "full")
        # Free objects: the slab's own freelist, and the CPU freelist of whichever CPU has it.
        state = None
        own, err = c.slab_chain(node, head)
        if obj in own:
            state = "free (on the slab's own freelist)"
        for n, (freelist, slab) in enumerate(c.cpus):
            if slab == head.addr and state is None:
                objs, err2 = c.chain(freelist)
                err = err or err2
                if obj in objs:
                    state = "free (on %s's freelist)" % cpu_label(n)
        if state is None:
            state = ("isolated (corrupted; slub_debug keeps it out of circulation)"
                     if obj in isolated_objects() else "allocated")
        out = ["%#x is object %d of cache %s (struct kmem_cache *)%#x" % (a, unit, c.name, c.addr),
               "object: %#x, %s; stride %d, %d objects per slab" % (obj, where, c.size, c.objects),
               "slab: pfn %#x (struct page *)%#x, order %d, inuse %d, %s" % (
                   head.pfn, head.addr, c.order, head.inuse, slab_state),
               "state: " + state]
        if err:
            out.append("warning: a freelist of this slab is broken (%s): the state may be wrong" % err)
        out += track_lines(c, obj)
        gdb.write("\n".join(out) + "\n")


class Checker:
    """mm-check's walks. Problems are collected as one line each."""

    def __init__(self, node):
        self.node = node
        self.problems = []
        self.stats = {}

    def bad(self, msg):
        self.problems.append(msg)

    # buddy (mm/mm_check.c's invariants)
    def free_lists(self, z):
        node, lay = self.node, self.node.layout
        heads, free = set(), 0
        for k, (nr_free, type_heads) in enumerate(z.free_area):
            limit = z.end_pfn - z.start_pfn + 1
            nodes = []
            for head in type_heads:
                some, err = list_nodes(head, lay, limit)
                nodes += some
                if err:
                    self.bad("zone %s order %d: free list %s" % (z.name, k, err))
            for n in nodes:
                pfn = node.pfn_of_desc(n - lay.lru_off)
                if pfn is None:
                    self.bad("zone %s order %d: list entry %#x is not in a descriptor"
                             % (z.name, k, n))
                    continue
                p = node.page(pfn)
                if not (z.start_pfn <= pfn and pfn + (1 << k) <= z.end_pfn):
                    self.bad("zone %s order %d: block pfn %#x outside the zone" % (z.name, k, pfn))
                if pfn & ((1 << k) - 1):
                    self.bad("zone %s order %d: block pfn %#x misaligned" % (z.name, k, pfn))
                if not (p.flags & PG_buddy and p.order == k and not p.flags & PG_reserved
                        and p.refcount == 0):
                    self.bad("zone %s order %d: pfn %#x flags %#x order %d refcount %d"
                             % (z.name, k, pfn, p.flags, p.order, p.refcount))
                heads.add(pfn)
            if len(nodes) != nr_free:
                self.bad("zone %s order %d: %d blocks listed, nr_free says %d"
                         % (z.name, k, len(nodes), nr_free))
            free += len(nodes) << k
        if free != z.free:
            self.bad("zone %s: %d frames on the lists, free_pages says %d" % (z.name, free, z.free))
        self.stats["free blocks"] = self.stats.get("free blocks", 0) + len(heads)
        return heads

    def pcp(self, z):
        """The per-CPU page lists of z (check_pcp()'s rules): frames of the zone, aligned, order
        k, refcount 0, no owner flag; count right. Returns {head pfn: order}."""
        node, lay = self.node, self.node.layout
        blocks = {}
        owner = PG_reserved | PG_buddy | PG_slab | PG_head | PG_tail
        for cpu, (count, high, batch, heads) in enumerate(z.pcp):
            frames = 0
            for k, head in heads:
                nodes, err = list_nodes(head, lay, z.end_pfn - z.start_pfn + 1)
                if err:
                    self.bad("zone %s cpu %d pcp order %d: list %s" % (z.name, cpu, k, err))
                for n in nodes:
                    pfn = node.pfn_of_desc(n - lay.lru_off)
                    if pfn is None:
                        self.bad("zone %s cpu %d pcp order %d: list entry %#x is not in a "
                                 "descriptor" % (z.name, cpu, k, n))
                        continue
                    p = node.page(pfn)
                    if not (z.start_pfn <= pfn and pfn + (1 << k) <= z.end_pfn
                            and not pfn & ((1 << k) - 1) and p.order == k and p.refcount == 0
                            and not p.flags & owner):
                        self.bad("zone %s cpu %d pcp order %d: pfn %#x flags %#x order %d "
                                 "refcount %d" % (z.name, cpu, k, pfn, p.flags, p.order, p.refcount))
                    if pfn in blocks:
                        self.bad("zone %s: pfn %#x is twice on the per-CPU lists" % (z.name, pfn))
                    blocks[pfn] = k
                frames += len(nodes) << k
            if frames != count:
                self.bad("zone %s cpu %d: %d frames on pcp lists, count says %d"
                         % (z.name, cpu, frames, count))
        self.stats["pcp blocks"] = self.stats.get("pcp blocks", 0) + len(blocks)
        return blocks

    def descriptors(self, z, heads, pcp_blocks=None):
        node, lay = self.node, self.node.layout
        seen = managed = walked = 0
        f_flags, f_order, f_ref, f_zone = lay.f_flags, lay.f_order, lay.f_refcount, lay.f_zone
        pfn = z.start_pfn
        while pfn < z.end_pfn:
            if not node.pfn_valid(pfn):
                pfn = (pfn | (PAGES_PER_SECTION - 1)) + 1
                continue
            walked += 1
            flags = node.bulk_field(f_flags, pfn)
            zi = node.bulk_field(f_zone, pfn)
            if zi != z.index:
                self.bad("pfn %#x: zone %d in zone %s" % (pfn, zi, z.name))
            if not flags & PG_reserved:
                managed += 1
            if flags & PG_buddy:
                seen += 1
                order = node.bulk_field(f_order, pfn)
                size = 1 << order
                for i in range(1, size):
                    q = pfn + i
                    if q >= z.end_pfn:
                        break
                    if not node.pfn_valid(q):
                        continue
                    qf = node.bulk_field(f_flags, q)
                    if qf & (PG_buddy | PG_reserved) or node.bulk_field(f_ref, q) != 0:
                        self.bad("pfn %#x: inside the free order-%d block at %#x" % (q, order, pfn))
                    elif pcp_blocks and q in pcp_blocks:
                        self.bad("pfn %#x: on a per-CPU list, and inside the free order-%d "
                                 "block at %#x" % (q, order, pfn))
                buddy = pfn ^ size
                if (order < node.max_order and z.start_pfn <= buddy < z.end_pfn
                        and node.pfn_valid(buddy)):
                    if (node.bulk_field(f_flags, buddy) & PG_buddy
                            and node.bulk_field(f_order, buddy) == order):
                        self.bad("pfn %#x and %#x: free buddies of order %d not merged"
                                 % (pfn, buddy, order))
            pfn += 1
        if seen != len(heads):
            self.bad("zone %s: %d PG_buddy heads, %d listed" % (z.name, seen, len(heads)))
        if managed != z.managed:
            self.bad("zone %s: %d unreserved frames, managed_pages %d" % (z.name, managed, z.managed))
        self.stats["descriptors"] = self.stats.get("descriptors", 0) + walked

    # slab
    def slab_heads(self):
        """Every PG_slab descriptor by cache address; tail frames checked against their head."""
        node, lay = self.node, self.node.layout
        by_cache, large = {}, {}
        tails = []
        for s in sorted(node._bulk):
            first = s << SECTION_SHIFT
            buf = node._bulk[s]
            for i in range(len(buf) // lay.size):
                flags = lay.f_flags.get(buf, i * lay.size)
                if not flags & (PG_slab | PG_tail | PG_head):
                    continue
                pfn = first + i
                if flags & PG_slab:
                    by_cache.setdefault(lay.f_private.get(buf, i * lay.size), []).append(pfn)
                elif flags & PG_head:
                    large[pfn] = lay.f_private.get(buf, i * lay.size)
                if flags & PG_tail:
                    tails.append((pfn, lay.f_private.get(buf, i * lay.size)))
        return by_cache, large, tails

    def check_tails(self, tails, by_cache, large, caches):
        node = self.node
        orders = {}
        for addr, c in caches.items():
            for pfn in by_cache.get(addr, []):
                orders[pfn] = c.order
        for pfn, head_addr in tails:
            h = node.pfn_of_desc(head_addr)
            if h is None:
                self.bad("pfn %#x: tail frame whose head %#x is not a descriptor" % (pfn, head_addr))
            elif h in orders:
                if not h < pfn < h + (1 << orders[h]):
                    self.bad("pfn %#x: tail frame outside its slab (head pfn %#x, order %d)"
                             % (pfn, h, orders[h]))
            elif h in large:
                pages = (large[h] + PAGE_SIZE - 1) >> PAGE_SHIFT
                if not h < pfn < h + pages:
                    self.bad("pfn %#x: tail frame outside its large kmalloc (head pfn %#x, %d "
                             "pages)" % (pfn, h, pages))
            else:
                self.bad("pfn %#x: tail frame whose head pfn %#x is neither a slab (of a listed "
                         "cache) nor a large kmalloc" % (pfn, h))

    def check_objects(self, c, slab, free_objs, isolated):
        """Red zones and poison of every object of a debug cache's slab."""
        if not c.flags & (SLAB_RED_ZONE | SLAB_POISON) or c.inuse is None:
            return
        if slab.pfn in self.untrusted:
            self.bad("%s: slab pfn %#x: red zones and poison not checked (broken freelist)"
                     % (c.name, slab.pfn))
            return
        node = self.node
        found = []
        base = node.virt(slab.pfn)
        try:
            data = read(base, PAGE_SIZE << c.order)
        except gdb.MemoryError:
            self.bad("%s: slab pfn %#x unreadable" % (c.name, slab.pfn))
            return
        for i in range(c.objects):
            obj = c.obj(base, i)
            if obj in isolated:
                continue
            o = obj - base
            free = obj in free_objs
            if c.flags & SLAB_RED_ZONE:
                val = RED_INACTIVE if free else RED_ACTIVE
                zones = ((o - c.red_left_pad, c.red_left_pad, "left"),
                         (o + c.object_size, c.inuse - c.object_size, "right"))
                for start, n, side in zones:
                    bad = [j for j in range(n) if data[start + j] != val]
                    if bad:
                        found.append("%s: %s object %#x: %s red zone overwritten at +%d (0x%02x, "
                                     "expected 0x%02x)" % (c.name, "free" if free else "allocated",
                                                           obj, side, bad[0], data[start + bad[0]],
                                                           val))
            if free and c.flags & SLAB_POISON and c.object_size:
                want = bytes([POISON_FREE]) * (c.object_size - 1) + bytes([POISON_END])
                got = data[o:o + c.object_size]
                if got != want:
                    j = next(j for j in range(c.object_size) if got[j] != want[j])
                    found.append("%s: free object %#x: poison overwritten at +%d (0x%02x, expected "
                                 "0x%02x): use after free" % (c.name, obj, j, got[j], want[j]))
        for msg in found[:8]:
            self.bad(msg)
        if len(found) > 8:
            self.bad("%s: slab pfn %#x: %d more red zone or poison problems"
                     % (c.name, slab.pfn, len(found) - 8))

    def cache(self, c, slabs, isolated):
        node = self.node
        lay = node.layout
        if not (c.objects > 0 and c.size >= c.object_size and c.offset + 8 <= c.size
                and c.red_left_pad + (c.objects - 1) * c.size + c.object_size <= PAGE_SIZE << c.order):
            self.bad("%s: impossible geometry: object_size %d size %d offset %d objects %d order %d"
                     % (c.name, c.object_size, c.size, c.offset, c.objects, c.order))
            return
        slab_set = set(slabs)
        placed = {}                     # slab pfn -> where it was found
        self.untrusted = broken = set()  # slabs whose freelists cannot be trusted

        def check_chain(objs, err, slab, what):
            """The objects of a freelist of slab that really are its objects."""
            base = node.virt(slab.pfn)
            if err:
                self.bad("%s: %s of slab pfn %#x %s" % (c.name, what, slab.pfn, err))
                broken.add(slab.pfn)
            for i, o in enumerate(objs):
                if c.index_of(base, o) is None:
                    self.bad("%s: %s of slab pfn %#x: entry %d, %#x, is not an object of the slab"
                             % (c.name, what, slab.pfn, i, o))
                    broken.add(slab.pfn)
                    return set(objs[:i])
            return set(objs)

        def slab_desc(addr, what):
            pfn = node.pfn_of_desc(addr)
            if pfn is None:
                self.bad("%s: %s %#x is not a descriptor" % (c.name, what, addr))
                return None
            p = node.page(pfn)
            if not p.flags & PG_slab or p.private != c.addr:
                self.bad("%s: %s pfn %#x flags %#x private %#x: not a slab of this cache"
                         % (c.name, what, pfn, p.flags, p.private))
                return None
            if p.inuse > c.objects:
                self.bad("%s: %s pfn %#x: inuse %d above objects %d" % (c.name, what, pfn, p.inuse,
                                                                        c.objects))
            if p.pfn in placed:
                self.bad("%s: slab pfn %#x is both %s and %s" % (c.name, pfn, placed[pfn], what))
            placed[pfn] = what
            return p

        def own_freelist(p, what):
            objs, err = c.slab_chain(node, p)
            free = check_chain(objs, err, p, what + " own freelist")
            if len(objs) != (c.objects - p.inuse) and p.pfn not in broken:
                self.bad("%s: %s pfn %#x: %d objects on its freelist, objects - inuse = %d"
                         % (c.name, what, p.pfn, len(objs), c.objects - p.inuse))
            return free

        for cpu, (freelist, slab) in enumerate(c.cpus):
            what = "%s slab" % cpu_label(cpu)
            if not slab:
                if freelist:
                    self.bad("%s: %s has a freelist (%#x) but no slab" % (c.name, cpu_label(cpu), freelist))
                continue
            p = slab_desc(slab, what)
            if p is None:
                continue
            if not p.frozen:
                self.bad("%s: %s pfn %#x is not frozen" % (c.name, what, p.pfn))
            objs, err = c.chain(freelist, c.objects + 1)
            free = check_chain(objs, err, p, "CPU %d freelist" % cpu)
            own = own_freelist(p, what)
            if free & own:
                self.bad("%s: %s pfn %#x: %d objects on both the CPU and the slab freelist"
                         % (c.name, what, p.pfn, len(free & own)))
            self.check_objects(c, p, free | own, isolated)

        for i in range(len(c.cpus)):
            what = "%s partial slab" % cpu_label(i)
            descs, err = cpu_partial_chain(c, lay, i, len(slabs) + 1)
            if err:
                self.bad("%s: %s partial list %s" % (c.name, cpu_label(i), err))
            if len(descs) != c.cpu_partial_counts[i] or len(descs) > max(c.cpu_partial, 0):
                self.bad("%s: %d slabs on the partial list of %s, nr_partial says %d, cpu_partial %d"
                         % (c.name, len(descs), cpu_label(i), c.cpu_partial_counts[i], c.cpu_partial))
            for d in descs:
                p = slab_desc(d, what)
                if p is None:
                    continue
                if not p.frozen:
                    self.bad("%s: %s pfn %#x is not frozen" % (c.name, what, p.pfn))
                if p.freelist == SLAB_FREELIST_END:
                    self.bad("%s: %s pfn %#x has no free object" % (c.name, what, p.pfn))
                self.check_objects(c, p, own_freelist(p, what), isolated)

        nodes, err = list_nodes(c.partial_head, lay, len(slabs) + 1)
        if err:
            self.bad("%s: partial list %s" % (c.name, err))
        if len(nodes) != c.nr_partial:
            self.bad("%s: %d slabs on the partial list, nr_partial says %d"
                     % (c.name, len(nodes), c.nr_partial))
        for n in nodes:
            p = slab_desc(n - lay.lru_off, "partial slab")
            if p is None:
                continue
            if p.frozen:
                self.bad("%s: partial slab pfn %#x is frozen" % (c.name, p.pfn))
            if p.freelist == SLAB_FREELIST_END:
                self.bad("%s: partial slab pfn %#x has no free object" % (c.name, p.pfn))
            self.check_objects(c, p, own_freelist(p, "partial slab"), isolated)

        if c.full_head is not None and read_u64(c.full_head + lay.next_off) != 0:
            nodes, err = list_nodes(c.full_head, lay, len(slabs) + 1)
            if err:
                self.bad("%s: full list %s" % (c.name, err))
            if nodes and not c.debug():
                self.bad("%s: %d slabs on the full list of a cache without debug flags"
                         % (c.name, len(nodes)))
            for n in nodes:
                p = slab_desc(n - lay.lru_off, "full-list slab")
                if p is None:
                    continue
                if p.frozen or p.freelist != SLAB_FREELIST_END or p.inuse != c.objects:
                    self.bad("%s: full-list slab pfn %#x: flags %#x inuse %d freelist %#x"
                             % (c.name, p.pfn, p.flags, p.inuse, p.freelist))
                self.check_objects(c, p, set(), isolated)

        for pfn in sorted(slab_set - set(placed)):
            p = node.page(pfn)
            if p.frozen:
                self.bad("%s: slab pfn %#x is frozen but no CPU's active or partial slab"
                         % (c.name, pfn))
            elif p.freelist != SLAB_FREELIST_END or p.inuse != c.objects:
                self.bad("%s: slab pfn %#x is on no list but not full (inuse %d, freelist %#x)"
                         % (c.name, pfn, p.inuse, p.freelist))
            elif c.debug() and c.full_head is not None:
                self.bad("%s: full slab pfn %#x of a debug cache is not on the full list"
                         % (c.name, pfn))
            else:
                self.check_objects(c, p, set(), isolated)
        for pfn in slabs:
            order = node.page(pfn).order
            if order != c.order:
                self.bad("%s: slab pfn %#x has order %d, the cache %d" % (c.name, pfn, order, c.order))
            if pfn & ((1 << c.order) - 1):
                self.bad("%s: slab pfn %#x misaligned for order %d" % (c.name, pfn, c.order))
        if len(slabs) != c.nr_slabs:
            self.bad("%s: %d slabs found in the descriptors, nr_slabs says %d"
                     % (c.name, len(slabs), c.nr_slabs))
        self.stats["slabs"] = self.stats.get("slabs", 0) + len(slabs)


class MmCheck(MmCommand):
    """Walk every free list, every descriptor and every slab, and report broken invariants.

Usage: mm-check

Buddy allocator (the invariants of mm/buddy.c, as node_check(full) checks them): each free
block is in its zone, aligned to its order, PG_buddy with that order and refcount 0; the list
links are consistent; nr_free and free_pages match the lists; every PG_buddy head is listed;
no frame inside a free block is a head or reserved; no two free buddies are left unmerged;
managed_pages matches the unreserved frames. Per-CPU page lists (as check_pcp()): each block in
its zone, aligned, of its list's order, refcount 0, no owner flag, on one list only and not
inside a free buddy block; count matches the lists.
Slab allocator: for each cache, its geometry; each CPU slab (frozen, of this cache) and its
hardened freelist (objects of that slab, no loop); each CPU's partial slabs (frozen, free
objects = objects - inuse, as many as its nr_partial and at most cpu_partial); each partial
slab (not frozen, free objects = objects - inuse); the full list of debug caches; every PG_slab
frame belongs to a listed cache, is a CPU slab, a CPU partial slab, partial, or full (and then
on the full list when the cache debugs),
and nr_slabs matches; tail frames point at their slab or large kmalloc; with red zones or
poison, the guard bytes of every object.
Prints one line per problem, then "mm-check: N problems (...)". Reads memory only: at a
breakpoint inside an allocator a half-done update is reported as it is."""

    cmd = "mm-check"

    def __init__(self):
        super().__init__(self.cmd, gdb.COMMAND_DATA)

    def run(self, arg):
        node = Node(self.cmd)
        node.load_all()
        ck = Checker(node)
        for z in node.zones:
            heads = ck.free_lists(z)
            ck.descriptors(z, heads, ck.pcp(z))
        by_cache, large, tails = ck.slab_heads()
        try:
            caches = {a: Cache(a) for a in cache_list(self.cmd)}
        except MmError as e:
            caches = {}
            if by_cache:
                ck.bad(str(e))
        isolated = isolated_objects()
        for addr, c in caches.items():
            ck.cache(c, by_cache.get(addr, []), isolated)
        for addr, pfns in by_cache.items():
            if addr not in caches:
                ck.bad("%d slab(s) (first pfn %#x) belong to %#x, which is not a listed cache"
                       % (len(pfns), pfns[0], addr))
        ck.check_tails(tails, by_cache, large, caches)
        out = ["mm-check: " + p for p in ck.problems]
        out.append("mm-check: %d problems (%d zones, %d free blocks, %d on per-CPU lists, %d "
                   "descriptors, %d caches, %d slabs, %d large kmallocs)" % (
                       len(ck.problems), sum(1 for z in node.zones if z.present),
                       ck.stats.get("free blocks", 0), ck.stats.get("pcp blocks", 0),
                       ck.stats.get("descriptors", 0), len(caches), ck.stats.get("slabs", 0),
                       len(large)))
        gdb.write("\n".join(out) + "\n")


for _cls in (MmMeminfo, MmBuddyinfo, MmSlabinfo, MmPage, MmObj, MmCheck):
    _cls()
gdb.write("mmkern: gdb commands mm-meminfo, mm-buddyinfo, mm-slabinfo, mm-page, mm-obj, mm-check "
          "(help <command>)\n")
