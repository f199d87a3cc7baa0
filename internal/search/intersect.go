package search

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
)

// maxBitmapWords bounds the bitmaps used to intersect results: 2^18 words
// (2 MiB) cover an ID range of 16.7 million. Wider ranges use sorted merging.
const maxBitmapWords = 1 << 18

// When few candidates remain, checking each of them beats scanning all the
// postings of the next query term. Two checks exist: binary search in each
// of the term's lists (cost ≈ probeFactor per list), or a scan of the
// candidate's forward list for a term with the prefix (cost ≈ fwdFactor
// per term of the document; used when a short prefix matches thousands of
// terms). Costs are in units of "one posting visited by a scan".
const (
	probeFactor = 16
	fwdFactor   = 8
)

// intersect returns, in descending order, the IDs present in every set
// (an ID is in a set if it is in any of its lists).
func (ix *Index) intersect(sets []matchSet) []int64 {
	slices.SortFunc(sets, func(a, b matchSet) int { return cmp.Compare(a.total, b.total) })
	lo, hi := sets[0].lo, sets[0].hi
	for _, s := range sets[1:] {
		lo, hi = max(lo, s.lo), min(hi, s.hi)
	}
	if lo > hi {
		return nil
	}
	if len(sets) == 1 && len(sets[0].lists) == 1 {
		l := sets[0].lists[0]
		out := make([]int64, len(l))
		for i, id := range l {
			out[len(l)-1-i] = id
		}
		return out
	}
	span := uint64(hi) - uint64(lo) // no overflow even for extreme IDs
	if span/64 >= maxBitmapWords {
		return intersectSorted(sets, lo, hi)
	}
	return ix.intersectBitmap(sets, lo, hi, span)
}

// intersectBitmap intersects over a bitmap of the ID window [lo, hi]
// (hi = lo + span). Bit offsets are computed in uint64 so that windows near
// the ends of the int64 range do not overflow.
func (ix *Index) intersectBitmap(sets []matchSet, lo, hi int64, span uint64) []int64 {
	nw := int(span/64) + 1
	acc := make([]uint64, nw)
	for _, l := range sets[0].lists {
		for _, id := range window(l, lo, hi) {
			off := uint64(id) - uint64(lo)
			acc[off>>6] |= 1 << (off & 63)
		}
	}
	wlo, whi := trim(acc, 0, nw-1)
	var tmp []uint64
	for _, s := range sets[1:] {
		if wlo > whi {
			return nil
		}
		c := 0
		for _, w := range acc[wlo : whi+1] {
			c += bits.OnesCount64(w)
		}
		probe := c * len(s.lists) * probeFactor
		fwd := c * ix.avgDocTerms() * fwdFactor
		if min(probe, fwd) < s.total {
			// Few candidates: check each one.
			for wi := wlo; wi <= whi; wi++ {
				for x := acc[wi]; x != 0; x &= x - 1 {
					b := bits.TrailingZeros64(x)
					id := int64(uint64(lo) + uint64(wi)<<6 + uint64(b))
					var ok bool
					if probe <= fwd {
						ok = inAny(s.lists, id)
					} else {
						ok = ix.hasPrefixTerm(id, s.prefix)
					}
					if !ok {
						acc[wi] &^= 1 << b
					}
				}
			}
		} else {
			// Mark the set's IDs inside the current window, then AND.
			if tmp == nil {
				tmp = make([]uint64, nw)
			}
			wl := int64(uint64(lo) + uint64(wlo)<<6)
			wh := hi
			if off := uint64(whi)<<6 + 63; off < span {
				wh = int64(uint64(lo) + off)
			}
			for _, l := range s.lists {
				for _, id := range window(l, wl, wh) {
					off := uint64(id) - uint64(lo)
					tmp[off>>6] |= 1 << (off & 63)
				}
			}
			for wi := wlo; wi <= whi; wi++ {
				acc[wi] &= tmp[wi]
				tmp[wi] = 0
			}
		}
		wlo, whi = trim(acc, wlo, whi)
	}
	if wlo > whi {
		return nil
	}
	c := 0
	for _, w := range acc[wlo : whi+1] {
		c += bits.OnesCount64(w)
	}
	out := make([]int64, 0, c)
	for wi := whi; wi >= wlo; wi-- {
		for x := acc[wi]; x != 0; {
			b := 63 - bits.LeadingZeros64(x)
			out = append(out, int64(uint64(lo)+uint64(wi)<<6+uint64(b)))
			x &^= 1 << b
		}
	}
	return out
}

// trim narrows [wlo, whi] to its non-zero words; wlo > whi if none.
func trim(acc []uint64, wlo, whi int) (int, int) {
	for wlo <= whi && acc[wlo] == 0 {
		wlo++
	}
	for whi >= wlo && acc[whi] == 0 {
		whi--
	}
	return wlo, whi
}

// window returns the part of sorted list l within [lo, hi].
func window(l []int64, lo, hi int64) []int64 {
	i, _ := slices.BinarySearch(l, lo)
	l = l[i:]
	if len(l) > 0 && l[len(l)-1] > hi {
		j, found := slices.BinarySearch(l, hi)
		if found {
			j++
		}
		l = l[:j]
	}
	return l
}

// hasPrefixTerm reports whether document id has a term starting with p.
func (ix *Index) hasPrefixTerm(id int64, p []byte) bool {
	for _, t := range ix.docs[id] {
		if bytes.HasPrefix(ix.terms[t].tok, p) {
			return true
		}
	}
	return false
}

// avgDocTerms is the mean number of distinct terms per document (≥ 1).
func (ix *Index) avgDocTerms() int {
	return ix.postings/max(1, len(ix.docs)) + 1
}

func inAny(lists [][]int64, id int64) bool {
	for _, l := range lists {
		if _, found := slices.BinarySearch(l, id); found {
			return true
		}
	}
	return false
}

// intersectSorted is the fallback for IDs spread over a huge range: each set
// becomes a sorted distinct slice, and slices are intersected pairwise.
func intersectSorted(sets []matchSet, lo, hi int64) []int64 {
	cur := union(sets[0].lists, lo, hi)
	for _, s := range sets[1:] {
		if len(cur) == 0 {
			return nil
		}
		if len(cur)*len(s.lists)*probeFactor < s.total {
			cur = slices.DeleteFunc(cur, func(id int64) bool { return !inAny(s.lists, id) })
			continue
		}
		other := union(s.lists, cur[0], cur[len(cur)-1])
		n, i, j := 0, 0, 0
		for i < len(cur) && j < len(other) {
			switch {
			case cur[i] < other[j]:
				i++
			case cur[i] > other[j]:
				j++
			default:
				cur[n] = cur[i]
				n++
				i++
				j++
			}
		}
		cur = cur[:n]
	}
	slices.Reverse(cur)
	return cur
}

// union returns the sorted distinct IDs of lists within [lo, hi], in a new
// slice.
func union(lists [][]int64, lo, hi int64) []int64 {
	var out []int64
	for _, l := range lists {
		out = append(out, window(l, lo, hi)...)
	}
	if len(lists) > 1 {
		slices.Sort(out)
		out = slices.Compact(out)
	}
	return out
}
