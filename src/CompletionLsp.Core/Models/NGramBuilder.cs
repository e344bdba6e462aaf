namespace CompletionLsp.Core.Models;

/// <summary>
/// Counts n-grams of orders 1..N over token-id sequences (each file framed by &lt;s&gt; and &lt;/s&gt;) with one sort
/// of all positions by their next N tokens; each order's distinct n-grams are then contiguous runs.
/// </summary>
public static class NGramBuilder
{
    public static NGramCounts Build(IReadOnlyList<int[]> files, int order, int vocabSize, CancellationToken ct = default)
    {
        if (order < 1 || order > 6) throw new ArgumentOutOfRangeException(nameof(order), "order must be 1..6");
        long total = files.Sum(f => (long)f.Length + 2);
        if (total > int.MaxValue / 2) throw new InvalidOperationException("corpus too large for one model");
        var corpus = new int[total];
        var limit = new int[total]; // exclusive end of the file each position belongs to
        int p = 0;
        foreach (var f in files)
        {
            int start = p;
            corpus[p++] = Vocabulary.Bos;
            foreach (var t in f) corpus[p++] = t;
            corpus[p++] = Vocabulary.Eos;
            for (int i = start; i < p; i++) limit[i] = p;
        }
        ct.ThrowIfCancellationRequested();

        var pos = new int[total];
        for (int i = 0; i < pos.Length; i++) pos[i] = i;
        int Len(int q) => Math.Min(order, limit[q] - q);
        int Compare(int a, int b)
        {
            int la = Len(a), lb = Len(b), l = Math.Min(la, lb);
            for (int i = 0; i < l; i++)
            {
                int d = corpus[a + i] - corpus[b + i];
                if (d != 0) return d;
            }
            return la - lb;
        }
        Array.Sort(pos, Compare);
        ct.ThrowIfCancellationRequested();

        var words = new int[order][];
        var counts = new int[order][];
        var childStart = new int[Math.Max(0, order - 1)][];
        // Representative position of each n-gram per level, to link levels.
        var reps = new List<int>[order];

        // Level 1 is dense.
        words[0] = new int[vocabSize];
        counts[0] = new int[vocabSize];
        for (int i = 0; i < vocabSize; i++) words[0][i] = i;
        foreach (var q in pos) counts[0][corpus[q]]++;

        for (int n = 2; n <= order; n++)
        {
            var w = new List<int>();
            var c = new List<int>();
            var r = new List<int>();
            int prev = -1;
            foreach (var q in pos)
            {
                if (Len(q) < n) continue;
                if (prev >= 0 && SameNGram(corpus, prev, q, n)) { c[^1]++; continue; }
                w.Add(corpus[q + n - 1]); c.Add(1); r.Add(q);
                prev = q;
            }
            words[n - 1] = w.ToArray();
            counts[n - 1] = c.ToArray();
            reps[n - 1] = r;
            ct.ThrowIfCancellationRequested();
        }

        // Link level n (1-based) to level n+1: children of each n-gram, in order.
        for (int n = 1; n < order; n++)
        {
            int parents = words[n - 1].Length;
            var cs = new int[parents + 1];
            var childReps = reps[n];
            if (n == 1)
            {
                // Parent of a bigram is its first word; bigrams are sorted by it.
                foreach (var q in childReps) cs[corpus[q] + 1]++;
                for (int i = 0; i < parents; i++) cs[i + 1] += cs[i];
            }
            else
            {
                var parentReps = reps[n - 1];
                int pi = 0;
                for (int j = 0; j < childReps.Count; j++)
                {
                    while (!SameNGram(corpus, parentReps[pi], childReps[j], n)) { pi++; cs[pi] = j; }
                }
                for (int i = pi + 1; i <= parents; i++) cs[i] = childReps.Count;
            }
            childStart[n - 1] = cs;
        }
        return new NGramCounts(order, vocabSize, words, counts, childStart);
    }

    private static bool SameNGram(int[] corpus, int a, int b, int n)
    {
        for (int i = 0; i < n; i++) if (corpus[a + i] != corpus[b + i]) return false;
        return true;
    }
}
