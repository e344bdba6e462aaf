using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Data;

/// <summary>
/// Token ids for training, as in PyTorch's word_language_model: each file is &lt;s&gt; tokens &lt;/s&gt;; files are
/// concatenated into one stream (in a seeded shuffled order per epoch) and cut into <c>batch</c> parallel columns
/// [rows, batch]; truncated BPTT then walks the rows in chunks, carrying the hidden state from chunk to chunk.
/// </summary>
public static class TokenData
{
    /// <summary>A file's ids as the models see it: &lt;s&gt;, each token mapped by the vocabulary, &lt;/s&gt;.</summary>
    public static int[] FileIds(Vocabulary vocab, TokenizedFile file)
    {
        var ids = new int[file.Tokens.Length + 2];
        ids[0] = Vocabulary.Bos;
        for (int i = 0; i < file.Tokens.Length; i++) ids[i + 1] = vocab.Map(file.Tokens[i]);
        ids[^1] = Vocabulary.Eos;
        return ids;
    }

    /// <summary>The files' ids one after another; with a seed, in an order shuffled by it.</summary>
    public static long[] Stream(IReadOnlyList<int[]> files, int? shuffleSeed = null, long maxTokens = long.MaxValue)
    {
        var order = Enumerable.Range(0, files.Count).ToArray();
        if (shuffleSeed is int seed) new Random(seed).Shuffle(order);
        long total = 0;
        foreach (var i in order) total += files[i].Length;
        total = Math.Min(total, maxTokens);
        var s = new long[total];
        long p = 0;
        foreach (var i in order)
        {
            foreach (var id in files[i])
            {
                if (p == total) return s;
                s[p++] = id;
            }
        }
        return s;
    }

    /// <summary>Cuts a stream into <paramref name="batch"/> columns: a [rows, batch] int64 tensor (the remainder is dropped).</summary>
    internal static Tensor Batchify(long[] stream, int batch, Device device)
    {
        long rows = stream.Length / batch;
        if (rows < 2) throw new ArgumentException($"too little data to train on ({stream.Length} tokens for batches of {batch})");
        // Column b is the contiguous slice [b * rows, (b + 1) * rows): lay it out row-major as [batch, rows], then transpose.
        Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var t = torch.tensor(stream.AsSpan(0, (int)(rows * batch)).ToArray(), [batch, rows]);
        return t.t().contiguous().to(device).MoveToOuterDisposeScope();
    }
}
