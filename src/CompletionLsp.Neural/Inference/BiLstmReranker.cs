using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Inference;

/// <summary>
/// Scores candidates for a position whose left and right context are known (the caret inside existing code) with
/// the bidirectional model, to re-rank another model's candidates. The network sees a window of
/// <see cref="Window"/> tokens around the position (as in training), never the token at the position itself.
/// </summary>
public sealed class BiLstmReranker : IInfillScorer, IDisposable
{
    private readonly BiLstmNet _net;
    private readonly Device _device;
    private readonly bool _ownsNet;
    private readonly object _lock = new();

    internal BiLstmReranker(BiLstmNet net, Vocabulary vocab, Device device, int window, bool ownsNet)
    {
        _net = net; _device = device; _ownsNet = ownsNet;
        Vocabulary = vocab;
        Window = Math.Max(3, window);
        _net.to(device);
        _net.eval();
    }

    public Vocabulary Vocabulary { get; }
    /// <summary>Tokens per window (the training chunk length).</summary>
    public int Window { get; }

    private int Map(int id) => (uint)id < (uint)_net.Shape.Vocab ? id : Vocabulary.Unk;

    /// <summary>P(candidate | left, right) for each candidate. <paramref name="left"/> ends just before the position
    /// (normally starting with &lt;s&gt;); <paramref name="right"/> starts just after it (&lt;/s&gt; at the file's end).</summary>
    public double[] Score(ReadOnlySpan<int> left, ReadOnlySpan<int> right, IReadOnlyList<int> candidates)
    {
        if (left.IsEmpty) left = [Vocabulary.Bos];
        if (right.IsEmpty) right = [Vocabulary.Eos];
        int half = (Window - 1) / 2;
        int nl = Math.Min(left.Length, Math.Max(half, Window - 1 - right.Length));
        int nr = Math.Min(right.Length, Window - 1 - nl);
        var ids = new long[nl + 1 + nr];
        for (int i = 0; i < nl; i++) ids[i] = Map(left[left.Length - nl + i]);
        ids[nl] = Vocabulary.Unk; // the position itself: never seen by the prediction
        for (int i = 0; i < nr; i++) ids[nl + 1 + i] = Map(right[i]);
        var r = new double[candidates.Count];
        lock (_lock)
        {
            using var scope = NewDisposeScope();
            using var ng = no_grad();
            var x = torch.tensor(ids, [ids.Length, 1], device: _device);
            var probs = Scoring.MaskedLogSoftmax(_net.ForwardAt(x, nl).select(0, 0)).exp().cpu().data<float>().ToArray();
            for (int i = 0; i < r.Length; i++) r[i] = (uint)candidates[i] < (uint)probs.Length ? probs[candidates[i]] : 0;
        }
        return r;
    }

    /// <summary>For a whole file (ids with &lt;s&gt; first and &lt;/s&gt; last): P(candidate | rest of the file within the
    /// window) for each position's candidates (positions 1..len-2; other entries are ignored). Windows overlap by
    /// half, each position taken from the window where it sits most centrally, and windows run in batches.</summary>
    public double[][] ScoreFile(int[] fileIds, IReadOnlyList<int[]?> candidates, CancellationToken ct = default)
    {
        int n = fileIds.Length, w = Math.Min(Window, n);
        var result = new double[n][];
        if (n < 3) return result;
        int stride = Math.Max(1, (w - 2) / 2);
        // Window starts: 0, stride, 2*stride, ... and a last one ending at the file's end.
        var starts = new List<int>();
        for (int s = 0; s + w < n; s += stride) starts.Add(s);
        starts.Add(n - w);
        starts = starts.Distinct().ToList();
        // Each predicted position (1..n-2) goes to the window whose center is nearest.
        var owner = new int[n];
        for (int i = 1; i < n - 1; i++)
        {
            int best = -1; double bestDist = double.MaxValue;
            for (int k = 0; k < starts.Count; k++)
            {
                int s = starts[k];
                if (i <= s || i >= s + w - 1) continue;
                double d = Math.Abs(i - (s + (w - 1) / 2.0));
                if (d < bestDist) { bestDist = d; best = k; }
            }
            owner[i] = best;
        }
        const int group = 32;
        lock (_lock)
        {
            for (int g0 = 0; g0 < starts.Count; g0 += group)
            {
                ct.ThrowIfCancellationRequested();
                int b = Math.Min(group, starts.Count - g0);
                var x = new long[w * b];
                for (int t = 0; t < w; t++)
                    for (int j = 0; j < b; j++) x[t * b + j] = Map(fileIds[starts[g0 + j] + t]);
                using var scope = NewDisposeScope();
                using var ng = no_grad();
                var logp = Scoring.MaskedLogSoftmax(_net.Forward(torch.tensor(x, [w, b], device: _device))); // [w-2, b, V]
                // Gather only the candidates' probabilities.
                var rows = new List<(int Pos, int T, int J)>();
                for (int j = 0; j < b; j++)
                {
                    int s = starts[g0 + j];
                    for (int t = 1; t < w - 1; t++)
                    {
                        int pos = s + t;
                        if (owner[pos] == g0 + j && candidates[pos] is { Length: > 0 }) rows.Add((pos, t, j));
                    }
                }
                if (rows.Count == 0) continue;
                int maxC = rows.Max(r => candidates[r.Pos]!.Length);
                var sel = new long[rows.Count * maxC];
                var rowIndex = new long[rows.Count];
                for (int k = 0; k < rows.Count; k++)
                {
                    var c = candidates[rows[k].Pos]!;
                    rowIndex[k] = (rows[k].T - 1) * (long)b + rows[k].J;
                    for (int m = 0; m < maxC; m++) sel[k * maxC + m] = m < c.Length ? Map(c[m]) : 0;
                }
                var flat = logp.reshape(-1, logp.shape[2]).index_select(0, torch.tensor(rowIndex, device: _device));
                var got = flat.gather(1, torch.tensor(sel, [rows.Count, maxC], device: _device)).exp().cpu().data<float>().ToArray();
                for (int k = 0; k < rows.Count; k++)
                {
                    var c = candidates[rows[k].Pos]!;
                    var r = new double[c.Length];
                    for (int m = 0; m < c.Length; m++) r[m] = (uint)c[m] < (uint)_net.Shape.Vocab ? got[k * maxC + m] : 0;
                    result[rows[k].Pos] = r;
                }
            }
        }
        return result;
    }

    public void Dispose()
    {
        if (_ownsNet) _net.Dispose();
    }
}
