/**
 * Agents ordered by when they come free, for the EWT simulations: a binary min-heap of agent indices keyed by
 * `key[index]` (each agent's free time). The agent free first is `heap[0]`; after changing its key, `siftDown(heap,
 * key, 0)` restores the order.
 */
export function heapify(heap: Int32Array, key: Float64Array): void {
  for (let j = 0; j < heap.length; j++) heap[j] = j;
  for (let j = (heap.length >> 1) - 1; j >= 0; j--) siftDown(heap, key, j);
}

export function siftDown(heap: Int32Array, key: Float64Array, i: number): void {
  const n = heap.length;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < n && key[heap[l]!]! < key[heap[m]!]!) m = l;
    if (r < n && key[heap[r]!]! < key[heap[m]!]!) m = r;
    if (m === i) return;
    const x = heap[i]!;
    heap[i] = heap[m]!;
    heap[m] = x;
    i = m;
  }
}
