/* The planner's label-setting search over walks, compiled: the same algorithm as
 * bureau/freight/search.py's _label_setting with walks=True (see that module for the
 * reasoning), on flat arrays. Built by setuptools during `pip install -e .`.
 *
 * search(graph, allowed, origin, target, costs, limit, tolerance, max_labels, rail, modes)
 *   graph: a tuple of buffers (array.array) made by search.Graph.flat():
 *     head, tail (int32 per arc), w0, w1, w2 (float64 per arc), mask, crossings, mode,
 *     gauge_inside, gauge_tail, gauge_head (int32 per arc), out_start, out_arcs, in_start,
 *     in_arcs (CSR of all arcs by tail and by head)
 *   allowed: bytes, one per arc (nonzero: the query may use it)
 *   costs: (transshipment h, US$, border h, US$, gauge h, US$)
 *   limit: most border crossings, -1 for none; rail: rail's mode number; modes: how many
 * returns (walks as lists of arcs, labels created, exhausted)
 *
 * Dominance is checked lazily, against the labels already taken from the heap at a place
 * (and against the routes found), when a label is made and again when it is taken; a label
 * taken is never dominated later. Labels taken at a place come in order of time, so among
 * those in the same state "is there one no worse on all three" is a question about cost and
 * CO2 only: a staircase and a binary search (see Stair).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Bumped whenever the arguments or the results change; search.py checks it. */
#define PARETO_ABI 1
#define GRAPH_ARRAYS 15

typedef struct {
    double g0, g1, g2;
    int32_t node, arc, parent, cross, gauge;
    int8_t mode; /* -1: the origin's label, no leg yet */
    uint8_t mask;
} Label;

typedef struct {
    double f0, f1, f2;
    int32_t unknown, cross, label;
} Entry;


typedef struct {
    double d;
    int32_t node;
} DEntry;

static const int UNKNOWN_COUNT[8] = {0, 1, 1, 2, 1, 2, 2, 3};

static int grow(void **data, int32_t *cap, int32_t need, size_t size) {
    if (need <= *cap) return 0;
    int32_t next = *cap ? *cap : 16;
    while (next < need) next *= 2;
    void *moved = realloc(*data, (size_t)next * size);
    if (!moved) return -1;
    *data = moved;
    *cap = next;
    return 0;
}

/* --- the heap of labels, in lexicographic order of (f, unknown criteria, crossings, age) ---
 * Both heaps are 4-ary: half the depth of a binary heap, the children of a node in one or two
 * cache lines (about a tenth off the CPU time of a long query). */

static inline int before(const Entry *a, const Entry *b) {
    if (a->f0 != b->f0) return a->f0 < b->f0;
    if (a->f1 != b->f1) return a->f1 < b->f1;
    if (a->f2 != b->f2) return a->f2 < b->f2;
    if (a->unknown != b->unknown) return a->unknown < b->unknown;
    if (a->cross != b->cross) return a->cross < b->cross;
    return a->label < b->label;
}

static void heap_up(Entry *heap, int32_t i) {
    Entry moving = heap[i];
    while (i > 0) {
        int32_t up = (i - 1) / 4;
        if (!before(&moving, &heap[up])) break;
        heap[i] = heap[up];
        i = up;
    }
    heap[i] = moving;
}

static void heap_down(Entry *heap, int32_t len, int32_t i) {
    Entry moving = heap[i];
    for (;;) {
        int32_t first = 4 * i + 1, child = first;
        if (first >= len) break;
        for (int32_t j = first + 1; j < first + 4 && j < len; j++)
            if (before(&heap[j], &heap[child])) child = j;
        if (!before(&heap[child], &moving)) break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = moving;
}

/* --- lower bounds: reverse Dijkstra from the target, one criterion at a time --- */

typedef struct {
    const int32_t *head, *tail, *mask, *cross, *mode, *ginside, *gtail, *ghead;
    const int32_t *out_start, *out_arcs, *in_start, *in_arcs;
    const double *w[3];
    const uint8_t *allowed;
    int32_t nodes, arcs;
} Graph;

static void dheap_up(DEntry *heap, int32_t i) {
    DEntry moving = heap[i];
    while (i > 0) {
        int32_t up = (i - 1) / 4;
        if (heap[up].d <= moving.d) break;
        heap[i] = heap[up];
        i = up;
    }
    heap[i] = moving;
}

static void dheap_down(DEntry *heap, int32_t len, int32_t i) {
    DEntry moving = heap[i];
    for (;;) {
        int32_t first = 4 * i + 1, child = first;
        if (first >= len) break;
        for (int32_t j = first + 1; j < first + 4 && j < len; j++)
            if (heap[j].d < heap[child].d) child = j;
        if (heap[child].d >= moving.d) break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = moving;
}

static int dpush(DEntry **heap, int32_t *len, int32_t *cap, double d, int32_t at) {
    if (grow((void **)heap, cap, *len + 1, sizeof(DEntry))) return -1;
    (*heap)[*len] = (DEntry){d, at};
    dheap_up(*heap, (*len)++);
    return 0;
}

/* The least of criterion k from every place to target, per state the place is reached in:
 * best[v * (modes + 1) + m] having arrived by mode m, best[v * (modes + 1) + modes] at the
 * origin (no leg yet). A leg's own border crossings and breaks of gauge count, and so does a
 * change of mode (``change``) when the next leg's mode differs from the arrival's; breaks of
 * gauge between legs do not (they would need the gauge in the state). With no charge for a
 * change of mode every state of a place has the same bound: one Dijkstra over places. The
 * same sums in the same order as search.mode_bounds, so that both give the same bounds. */
static int reverse(const Graph *g, int32_t target, int k, double per_border, double per_gauge,
                   double change, int modes, double *best) {
    int32_t slots = modes + 1;
    int by_mode = change != 0.0;
    DEntry *heap = NULL;
    int32_t len = 0, cap = 0;
    for (int32_t x = 0; x < g->nodes * slots; x++) best[x] = INFINITY;
    for (int m = 0; m < slots; m++) best[target * slots + m] = 0.0;
    for (int m = by_mode ? 0 : modes; m < modes + !by_mode; m++)
        if (dpush(&heap, &len, &cap, 0.0, target * slots + m)) goto failed;
    while (len) {
        DEntry top = heap[0];
        heap[0] = heap[--len];
        if (len) dheap_down(heap, len, 0);
        if (top.d > best[top.node]) continue;
        int32_t node = top.node / slots, came = top.node % slots;
        for (int32_t i = g->in_start[node]; i < g->in_start[node + 1]; i++) {
            int32_t e = g->in_arcs[i];
            if (!g->allowed[e] || (by_mode && g->mode[e] != came)) continue;
            double weight = g->w[k][e] + g->cross[e] * per_border + g->ginside[e] * per_gauge;
            double nd = top.d + weight;
            int32_t t = g->tail[e] * slots;
            if (!by_mode) {
                if (nd < best[t + modes]) {
                    best[t + modes] = nd;
                    if (dpush(&heap, &len, &cap, nd, t + modes)) goto failed;
                }
                continue;
            }
            for (int m = 0; m < modes; m++) {
                double d = m == came ? nd : nd + change;
                if (d < best[t + m]) {
                    best[t + m] = d;
                    if (dpush(&heap, &len, &cap, d, t + m)) goto failed;
                }
            }
            if (nd < best[t + modes]) best[t + modes] = nd; /* the origin pays no change */
        }
    }
    if (!by_mode)
        for (int32_t v = 0; v < g->nodes; v++)
            for (int m = 0; m < modes; m++) best[v * slots + m] = best[v * slots + modes];
    free(heap);
    return 0;
failed:
    free(heap);
    return -1;
}

/* --- the search --- */

typedef struct {
    double tr_h, tr_u, bo_h, bo_u, ga_h, ga_u;
} Costs;

/* The most that being in state (mode a, gauge ga) can add to the next leg over being in
 * state (mode b, gauge gb): a label in state a must be at least this much better to stand
 * for one in state b. The same rule as search.margin(). */
static inline void margin(const Costs *c, int rail, int a, int32_t gauge_a, int b,
                          int32_t gauge_b, double *m0, double *m1) {
    if (a < 0 || (a == b && (a != rail || gauge_a == 0 || gauge_a == gauge_b))) {
        *m0 = 0.0;
        *m1 = 0.0;
    } else if (a == b) {
        *m0 = c->ga_h;
        *m1 = c->ga_u;
    } else if (a == rail && gauge_a != 0 && b < 0) {
        *m0 = fmax(c->tr_h, c->ga_h);
        *m1 = fmax(c->tr_u, c->ga_u);
    } else if (a == rail && gauge_a != 0) { /* b pays a transshipment onto rail */
        *m0 = fmax(c->tr_h, c->ga_h - c->tr_h);
        *m1 = fmax(c->tr_u, c->ga_u - c->tr_u);
    } else {
        *m0 = c->tr_h;
        *m1 = c->tr_u;
    }
}

/* Labels (routes found, or labels taken at one place in one state), by cost ascending and
 * CO2 descending, none covering another on those two. Every later question comes with a time
 * no less than every entry's, since labels leave the heap in lexicographic order and the
 * bounds are consistent; so "is it dominated" is a question about cost and CO2 only, answered
 * by a binary search. The time is checked still (rounding could break the order by a hair),
 * and a full scan answers then. */
typedef struct {
    double *d0, *d1, *d2;
    int32_t len, cap;
} Stair;

/* The number of entries with d1 + m1 <= f1 (strict: < f1). */
static int32_t stair_rank(const Stair *st, double m1, double f1, int strict) {
    int32_t lo = 0, hi = st->len;
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (strict ? st->d1[mid] + m1 < f1 : st->d1[mid] + m1 <= f1)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* 1: an entry is no worse than (f0, f1, f2); 0: none is (unsure set: the time said no). */
static int stair_covers(const Stair *st, double f0, double f1, double f2, int *unsure) {
    int32_t i = stair_rank(st, 0.0, f1, 0) - 1;
    if (i < 0 || st->d2[i] > f2) return 0;
    if (st->d0[i] <= f0) return 1;
    *unsure = 1;
    return 0;
}

/* The same with a margin (m0, m1) added to the entries, where time is not in order: the
 * entries no worse on cost and CO2 are a run, scanned for one no worse on time. */
static int stair_covers_by(const Stair *st, double m0, double m1, double f0, double f1,
                           double f2) {
    for (int32_t i = stair_rank(st, m1, f1, 0) - 1; i >= 0 && st->d2[i] <= f2; i--)
        if (st->d0[i] + m0 <= f0) return 1;
    return 0;
}

static int stair_insert(Stair *st, double d0, double d1, double d2) {
    int32_t above = stair_rank(st, 0.0, d1, 0);
    if (above > 0 && st->d2[above - 1] <= d2) return 0; /* covered on cost and CO2 */
    int32_t from = stair_rank(st, 0.0, d1, 1), to = from;
    while (to < st->len && st->d2[to] >= d2) to++; /* the entries it covers */
    int32_t len = st->len - (to - from) + 1;
    if (len > st->cap) {
        int32_t cap = st->cap;
        double **arrays[3] = {&st->d0, &st->d1, &st->d2};
        for (int k = 0; k < 3; k++) {
            cap = st->cap;
            if (grow((void **)arrays[k], &cap, len, sizeof(double))) return -1;
        }
        st->cap = cap;
    }
    double *arrays[3] = {st->d0, st->d1, st->d2};
    double values[3] = {d0, d1, d2};
    for (int k = 0; k < 3; k++) {
        memmove(arrays[k] + from + 1, arrays[k] + to, (size_t)(st->len - to) * sizeof(double));
        arrays[k][from] = values[k];
    }
    st->len = len;
    return 0;
}

static void stair_free(Stair *st) {
    free(st->d0);
    free(st->d1);
    free(st->d2);
}

/* The labels taken at one place in one state with one unknown-criteria mask, and the sums of
 * the last label made there and not yet taken: a label no better than it is not made either
 * (it will be taken, or dropped for one that dominates both). */
typedef struct {
    int32_t gauge;
    int8_t mode;
    uint8_t mask, waiting;
    double w0, w1, w2;
    Stair stair;
} Front;

typedef struct {
    Front *fronts;
    int32_t fronts_len, fronts_cap;
    int32_t *taken; /* every label taken here, for the full scan */
    int32_t taken_len, taken_cap;
} Place;

typedef struct {
    Label *labels;
    int32_t labels_len, labels_cap;
    Entry *heap;
    int32_t heap_len, heap_cap;
    int32_t *found;
    int32_t found_len, found_cap;
    Stair found_by_mask[8];
    Place *places;
    int limited, rail, modes;
    Costs costs;
    double *h[3];
    int exhausted;
} State;

static int scan_found(const State *s, double f0, double f1, double f2, int mask, int32_t cross) {
    for (int32_t i = 0; i < s->found_len; i++) {
        const Label *d = &s->labels[s->found[i]];
        if (d->g0 <= f0 && d->g1 <= f1 && d->g2 <= f2 && !(d->mask & ~mask) && d->cross <= cross)
            return 1;
    }
    return 0;
}

static int dominated_by_found(const State *s, double f0, double f1, double f2, int mask,
                              int32_t cross) {
    if (s->limited) return scan_found(s, f0, f1, f2, mask, cross);
    int unsure = 0;
    for (int m = 0; m < 8; m++)
        if (!(m & ~mask) && stair_covers(&s->found_by_mask[m], f0, f1, f2, &unsure)) return 1;
    return unsure ? scan_found(s, f0, f1, f2, mask, cross) : 0;
}

static int add_found(State *s, int32_t id) {
    if (grow((void **)&s->found, &s->found_cap, s->found_len + 1, sizeof(int32_t))) return -1;
    s->found[s->found_len++] = id;
    const Label *d = &s->labels[id];
    return stair_insert(&s->found_by_mask[d->mask & 7], d->g0, d->g1, d->g2);
}

static int scan_taken(const State *s, const Place *p, int mode, int32_t gauge, int mask,
                      int32_t cross, double l0, double l1, double l2) {
    for (int32_t i = 0; i < p->taken_len; i++) {
        const Label *o = &s->labels[p->taken[i]];
        double m0, m1;
        margin(&s->costs, s->rail, o->mode, o->gauge, mode, gauge, &m0, &m1);
        if (o->g0 + m0 <= l0 && o->g1 + m1 <= l1 && o->g2 <= l2 && !(o->mask & ~mask) &&
            o->cross <= cross)
            return 1;
    }
    return 0;
}

/* Whether a label taken at place p stands for a label (state, mask, crossings, l = sums times
 * the tolerance's slack) there. */
static int dominated_at(const State *s, int32_t place, int mode, int32_t gauge, int mask,
                        int32_t cross, double l0, double l1, double l2) {
    const Place *p = &s->places[place];
    if (s->limited) return scan_taken(s, p, mode, gauge, mask, cross, l0, l1, l2);
    int unsure = 0;
    for (int32_t i = 0; i < p->fronts_len; i++) {
        const Front *f = &p->fronts[i];
        if (f->mask & ~mask) continue;
        if (f->mode == mode && f->gauge == gauge) {
            if (stair_covers(&f->stair, l0, l1, l2, &unsure)) return 1;
        } else {
            double m0, m1;
            margin(&s->costs, s->rail, f->mode, f->gauge, mode, gauge, &m0, &m1);
            if (stair_covers_by(&f->stair, m0, m1, l0, l1, l2)) return 1;
        }
    }
    return unsure ? scan_taken(s, p, mode, gauge, mask, cross, l0, l1, l2) : 0;
}

static Front *front(Place *p, int mode, int32_t gauge, int mask, int make) {
    for (int32_t i = 0; i < p->fronts_len; i++) {
        Front *at = &p->fronts[i];
        if (at->mode == mode && at->gauge == gauge && at->mask == mask) return at;
    }
    if (!make || grow((void **)&p->fronts, &p->fronts_cap, p->fronts_len + 1, sizeof(Front)))
        return NULL;
    Front *f = &p->fronts[p->fronts_len++];
    memset(f, 0, sizeof *f);
    f->mode = (int8_t)mode;
    f->gauge = gauge;
    f->mask = (uint8_t)mask;
    return f;
}

static int take(State *s, int32_t id) {
    const Label *l = &s->labels[id];
    Place *p = &s->places[l->node];
    if (grow((void **)&p->taken, &p->taken_cap, p->taken_len + 1, sizeof(int32_t))) return -1;
    p->taken[p->taken_len++] = id;
    Front *f = front(p, l->mode, l->gauge, l->mask, 1);
    return f ? stair_insert(&f->stair, l->g0, l->g1, l->g2) : -1;
}

static int push_label(State *s, Label label, double f0, double f1, double f2) {
    if (grow((void **)&s->labels, &s->labels_cap, s->labels_len + 1, sizeof(Label))) return -1;
    if (grow((void **)&s->heap, &s->heap_cap, s->heap_len + 1, sizeof(Entry))) return -1;
    int32_t id = s->labels_len++;
    s->labels[id] = label;
    s->heap[s->heap_len] = (Entry){f0, f1, f2, UNKNOWN_COUNT[label.mask & 7], label.cross, id};
    heap_up(s->heap, s->heap_len++);
    return 0;
}

static int run(const Graph *g, State *s, int32_t origin, int32_t target, int32_t limit,
               double slack, int32_t max_labels) {
    const Costs *c = &s->costs;
    int rail = s->rail;
    int limited = s->limited = limit >= 0;
    for (int k = 0; k < 3; k++) {
        double per_border = k == 0 ? c->bo_h : k == 1 ? c->bo_u : 0.0;
        double per_gauge = k == 0 ? c->ga_h : k == 1 ? c->ga_u : 0.0;
        double change = k == 0 ? c->tr_h : k == 1 ? c->tr_u : 0.0;
        if (reverse(g, target, k, per_border, per_gauge, change, s->modes, s->h[k])) return -1;
    }
    double *h0 = s->h[0], *h1 = s->h[1], *h2 = s->h[2];
    int32_t slots = s->modes + 1;
    if (isinf(h0[origin * slots + s->modes])) {
        s->exhausted = 1;
        return 0;
    }
    Label start = {0.0, 0.0, 0.0, origin, -1, -1, 0, 0, -1, 0};
    if (push_label(s, start, 0.0, 0.0, 0.0)) return -1;
    while (s->heap_len && s->labels_len < max_labels) {
        Entry top = s->heap[0];
        s->heap[0] = s->heap[--s->heap_len];
        if (s->heap_len) heap_down(s->heap, s->heap_len, 0);
        Label label = s->labels[top.label];
        if (label.node == target) {
            if (!dominated_by_found(s, label.g0, label.g1, label.g2, label.mask, label.cross) &&
                add_found(s, top.label))
                return -1;
            continue;
        }
        if (s->found_len && dominated_by_found(s, top.f0 * slack, top.f1 * slack,
                                               top.f2 * slack, label.mask, label.cross))
            continue; /* a route found since it was made is better than its best completion */
        if (dominated_at(s, label.node, label.mode, label.gauge, label.mask, label.cross,
                         label.g0 * slack, label.g1 * slack, label.g2 * slack))
            continue; /* a label taken here since it was made stands for it */
        if (take(s, top.label)) return -1;
        int32_t node = label.node;
        for (int32_t i = g->out_start[node]; i < g->out_start[node + 1]; i++) {
            int32_t e = g->out_arcs[i];
            if (!g->allowed[e]) continue;
            int32_t head = g->head[e];
            if (isinf(h0[head * slots + s->modes])) continue;
            int32_t crossings = g->cross[e];
            int32_t cross = limited ? label.cross + crossings : 0;
            if (limited && cross > limit) continue;
            int mode = g->mode[e];
            double hours = crossings * c->bo_h, usd = crossings * c->bo_u;
            int32_t gauges = g->ginside[e];
            if (label.mode >= 0) {
                if (label.mode != mode) {
                    hours += c->tr_h;
                    usd += c->tr_u;
                } else if (mode == rail && label.gauge && g->gtail[e] &&
                           label.gauge != g->gtail[e]) {
                    gauges += 1;
                }
            }
            if (gauges) {
                hours += gauges * c->ga_h;
                usd += gauges * c->ga_u;
            }
            double n0 = label.g0 + g->w[0][e] + hours;
            double n1 = label.g1 + g->w[1][e] + usd;
            double n2 = label.g2 + g->w[2][e];
            int mask = label.mask | g->mask[e];
            int32_t at = head * slots + mode;
            double f0 = n0 + h0[at], f1 = n1 + h1[at], f2 = n2 + h2[at];
            if (s->found_len &&
                dominated_by_found(s, f0 * slack, f1 * slack, f2 * slack, mask, cross))
                continue;
            int32_t gauge = g->ghead[e];
            double l0 = n0 * slack, l1 = n1 * slack, l2 = n2 * slack;
            if (dominated_at(s, head, mode, gauge, mask, cross, l0, l1, l2)) continue;
            Front *f = limited ? NULL : front(&s->places[head], mode, gauge, mask, 1);
            if (!limited && !f) return -1;
            if (f && f->waiting && f->w0 <= l0 && f->w1 <= l1 && f->w2 <= l2) continue;
            if (f) {
                f->waiting = 1;
                f->w0 = n0;
                f->w1 = n1;
                f->w2 = n2;
            }
            Label child = {n0, n1, n2, head, e, top.label, cross, gauge, (int8_t)mode,
                           (uint8_t)mask};
            if (push_label(s, child, f0, f1, f2)) return -1;
        }
    }
    s->exhausted = s->heap_len == 0;
    return 0;
}

static void release(State *s, int32_t nodes) {
    free(s->labels);
    free(s->heap);
    free(s->found);
    for (int m = 0; m < 8; m++) stair_free(&s->found_by_mask[m]);
    if (s->places)
        for (int32_t v = 0; v < nodes; v++) {
            Place *p = &s->places[v];
            for (int32_t i = 0; i < p->fronts_len; i++) stair_free(&p->fronts[i].stair);
            free(p->fronts);
            free(p->taken);
        }
    free(s->places);
    for (int k = 0; k < 3; k++) free(s->h[k]);
}

static PyObject *walks(const State *s) {
    PyObject *result = PyList_New(s->found_len);
    if (!result) return NULL;
    for (int32_t i = 0; i < s->found_len; i++) {
        int32_t depth = 0;
        for (int32_t at = s->found[i]; s->labels[at].arc >= 0; at = s->labels[at].parent) depth++;
        PyObject *arcs = PyList_New(depth);
        if (!arcs) {
            Py_DECREF(result);
            return NULL;
        }
        for (int32_t at = s->found[i]; s->labels[at].arc >= 0; at = s->labels[at].parent) {
            PyObject *arc = PyLong_FromLong(s->labels[at].arc);
            if (!arc) {
                Py_DECREF(arcs);
                Py_DECREF(result);
                return NULL;
            }
            PyList_SET_ITEM(arcs, --depth, arc);
        }
        PyList_SET_ITEM(result, i, arcs);
    }
    return result;
}

static PyObject *search(PyObject *self, PyObject *args) {
    PyObject *graph_tuple;
    Py_buffer allowed = {0};
    int origin, target, limit, max_labels, rail, modes;
    double tolerance;
    State s;
    memset(&s, 0, sizeof s);
    Costs c;
    if (!PyArg_ParseTuple(args, "O!y*ii(dddddd)idiii", &PyTuple_Type, &graph_tuple,
                          &allowed, &origin, &target, &c.tr_h, &c.tr_u, &c.bo_h, &c.bo_u,
                          &c.ga_h, &c.ga_u, &limit, &tolerance, &max_labels, &rail, &modes))
        return NULL;
    Py_buffer b[GRAPH_ARRAYS];
    memset(b, 0, sizeof b);
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(graph_tuple, "y*y*y*y*y*y*y*y*y*y*y*y*y*y*y*", &b[0], &b[1], &b[2],
                          &b[3], &b[4], &b[5], &b[6], &b[7], &b[8], &b[9], &b[10], &b[11],
                          &b[12], &b[13], &b[14])) {
        PyBuffer_Release(&allowed);
        return NULL;
    }
    Graph g;
    g.arcs = (int32_t)(b[0].len / (Py_ssize_t)sizeof(int32_t));
    g.nodes = (int32_t)(b[11].len / (Py_ssize_t)sizeof(int32_t)) - 1;
    g.head = b[0].buf;
    g.tail = b[1].buf;
    g.w[0] = b[2].buf;
    g.w[1] = b[3].buf;
    g.w[2] = b[4].buf;
    g.mask = b[5].buf;
    g.cross = b[6].buf;
    g.mode = b[7].buf;
    g.ginside = b[8].buf;
    g.gtail = b[9].buf;
    g.ghead = b[10].buf;
    g.out_start = b[11].buf;
    g.out_arcs = b[12].buf;
    g.in_start = b[13].buf;
    g.in_arcs = b[14].buf;
    g.allowed = allowed.buf;
    int failed = 0;
    s.costs = c;
    s.rail = rail;
    s.modes = modes;
    int fits = allowed.len == g.arcs && g.nodes >= 1 && origin >= 0 && origin < g.nodes &&
               target >= 0 && target < g.nodes && modes >= 1 && modes < 100 && rail < modes &&
               b[13].len == b[11].len;
    for (int i = 0; i < GRAPH_ARRAYS; i++) {
        Py_ssize_t want = i >= 2 && i <= 4     ? g.arcs * (Py_ssize_t)sizeof(double)
                          : i == 11 || i == 13 ? b[11].len
                                               : g.arcs * (Py_ssize_t)sizeof(int32_t);
        fits = fits && b[i].len == want;
    }
    if (!fits) {
        PyErr_SetString(PyExc_ValueError, "the graph's arrays do not fit together");
        goto done;
    }
    s.places = calloc((size_t)g.nodes, sizeof(Place));
    for (int k = 0; k < 3; k++) s.h[k] = malloc((size_t)g.nodes * (modes + 1) * sizeof(double));
    if (!s.places || !s.h[0] || !s.h[1] || !s.h[2]) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS;
    failed = run(&g, &s, origin, target, limit, 1.0 + tolerance, max_labels);
    Py_END_ALLOW_THREADS;
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *found = walks(&s);
    if (found)
        result = Py_BuildValue("(NiO)", found, (int)s.labels_len,
                               s.exhausted ? Py_True : Py_False);
done:
    release(&s, g.nodes > 0 ? g.nodes : 0);
    for (int i = 0; i < GRAPH_ARRAYS; i++) PyBuffer_Release(&b[i]);
    PyBuffer_Release(&allowed);
    return result;
}

static PyMethodDef methods[] = {
    {"search", search, METH_VARARGS, "Every Pareto-optimal walk from origin to target."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pareto", NULL, -1, methods};

PyMODINIT_FUNC PyInit__pareto(void) {
    PyObject *m = PyModule_Create(&module);
    if (m && PyModule_AddIntConstant(m, "ABI", PARETO_ABI)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
