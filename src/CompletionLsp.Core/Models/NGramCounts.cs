namespace CompletionLsp.Core.Models;

/// <summary>
/// Raw n-gram counts of orders 1..N as a compact sorted trie (as in KenLM's trie): level 1 is dense over the
/// vocabulary; level n+1 stores, for each n-gram, its last word and count, grouped by parent (the (n)-gram prefix)
/// and sorted by word within a parent; <see cref="ChildStart"/> gives each parent's range of children.
/// About 12 bytes per n-gram.
/// </summary>
public sealed class NGramCounts
{
    public int Order { get; }
    public int VocabSize { get; }
    /// <summary>Words[n][i]: last word of the i-th (n+1)-gram. Words[0][i] == i.</summary>
    public int[][] Words { get; }
    /// <summary>Counts[n][i]: raw count of the i-th (n+1)-gram.</summary>
    public int[][] Counts { get; }
    /// <summary>ChildStart[n][i]..ChildStart[n][i+1]: children of the i-th (n+1)-gram in level n+2. Length Order-1.</summary>
    public int[][] ChildStart { get; }

    public NGramCounts(int order, int vocabSize, int[][] words, int[][] counts, int[][] childStart)
    {
        if (order < 1 || order > 6) throw new InvalidDataException($"n-gram order {order} is outside 1..6");
        if (words.Length != order || counts.Length != order || childStart.Length != order - 1)
            throw new InvalidDataException("n-gram level arrays do not match the order");
        if (words[0].Length != vocabSize) throw new InvalidDataException("unigram level does not match the vocabulary");
        for (int n = 0; n < order; n++)
        {
            if (words[n].Length != counts[n].Length) throw new InvalidDataException($"level {n + 1}: words and counts differ in length");
            if (n < order - 1)
            {
                var cs = childStart[n];
                if (cs.Length != words[n].Length + 1 || cs[0] != 0 || cs[^1] != words[n + 1].Length)
                    throw new InvalidDataException($"level {n + 1}: child index is inconsistent");
                for (int i = 1; i < cs.Length; i++) if (cs[i] < cs[i - 1]) throw new InvalidDataException($"level {n + 1}: child index is not sorted");
            }
            foreach (var w in words[n]) if ((uint)w >= (uint)vocabSize) throw new InvalidDataException($"level {n + 1}: word id out of range");
            // Unigrams may be unseen (reserved tokens); a stored longer n-gram was seen at least once.
            int minCount = n == 0 ? 0 : 1;
            foreach (var x in counts[n]) if (x < minCount) throw new InvalidDataException($"level {n + 1}: count {x} is out of range");
        }
        for (int n = 1; n < order; n++)
        {
            // Children of a parent are sorted by word (lookups are binary searches).
            var cs = childStart[n - 1];
            var ws = words[n];
            for (int h = 0; h + 1 < cs.Length; h++)
                for (int j = cs[h] + 1; j < cs[h + 1]; j++)
                    if (ws[j] <= ws[j - 1]) throw new InvalidDataException($"level {n + 1}: children are not sorted");
        }
        Order = order; VocabSize = vocabSize; Words = words; Counts = counts; ChildStart = childStart;
    }

    public long TotalNGrams => Words.Sum(w => (long)w.Length);

    /// <summary>False once <see cref="ReleaseRawCounts"/> dropped the raw counts of orders 2..N (a model loaded to be
    /// served: Kneser-Ney queries read its tables, never the counts). Such counts cannot be saved again.</summary>
    public bool HasRawCounts { get; private set; } = true;

    internal void ReleaseRawCounts()
    {
        for (int n = 1; n < Order; n++) Counts[n] = [];
        HasRawCounts = false;
    }

    /// <summary>Index at level <paramref name="level"/>+1 of the child <paramref name="word"/> of node
    /// <paramref name="node"/> at level <paramref name="level"/> (0-based levels), or -1.</summary>
    public int FindChild(int level, int node, int word)
    {
        var cs = ChildStart[level];
        int lo = cs[node], hi = cs[node + 1] - 1;
        var ws = Words[level + 1];
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            int w = ws[mid];
            if (w == word) return mid;
            if (w < word) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>Node index of the n-gram <paramref name="tokens"/> at level tokens.Length-1 (0-based), or -1.</summary>
    public int FindNode(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length == 0 || tokens.Length > Order) return -1;
        int node = tokens[0];
        if ((uint)node >= (uint)VocabSize) return -1;
        for (int i = 1; i < tokens.Length && node >= 0; i++) node = FindChild(i - 1, node, tokens[i]);
        return node;
    }

    public int CountOf(ReadOnlySpan<int> tokens)
    {
        if (!HasRawCounts && tokens.Length > 1) throw new InvalidOperationException("the raw counts were released (a model loaded for serving)");
        int node = FindNode(tokens);
        return node < 0 ? 0 : Counts[tokens.Length - 1][node];
    }
}
