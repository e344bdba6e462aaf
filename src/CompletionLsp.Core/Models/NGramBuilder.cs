using CompletionLsp.Core.Models.Counting;

namespace CompletionLsp.Core.Models;

/// <summary>
/// Counts n-grams of orders 1..N over token-id sequences (each file framed by &lt;s&gt; and &lt;/s&gt;): the records of
/// every position are sorted (<see cref="NGramSorter"/>, spilling to disk beyond <paramref name="memoryBytes"/>) and
/// built into the count trie (<see cref="TrieBuilder"/>).
/// </summary>
public static class NGramBuilder
{
    public static NGramCounts Build(IEnumerable<int[]> files, int order, int vocabSize, CancellationToken ct = default,
        long memoryBytes = NGramSorter.DefaultMemoryBytes, string? tempDir = null)
    {
        if (order < 1 || order > 6) throw new ArgumentOutOfRangeException(nameof(order), "order must be 1..6");
        using var sorter = new NGramSorter(order, memoryBytes, tempDir, ct);
        foreach (var f in files) sorter.AddFile(f);
        ct.ThrowIfCancellationRequested();
        var trie = new TrieBuilder(order, vocabSize);
        sorter.Drain(trie.Add);
        return trie.Build();
    }
}
