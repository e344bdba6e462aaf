using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace CompletionLsp.Neural.Inference;

/// <summary>Whole-file scoring in batches, with the same semantics as incremental inference: each file starts from
/// the zero state, and token i is predicted from ids[0..i).</summary>
internal static class Scoring
{
    /// <summary>Log-probabilities over the last dimension with &lt;s&gt; impossible (it is never predicted).</summary>
    public static Tensor MaskedLogSoftmax(Tensor logits)
    {
        using var mask = BosMask(logits.shape[^1], logits.device);
        return logits.add(mask).log_softmax(-1);
    }

    /// <summary>A [vocab] tensor: -inf at &lt;s&gt;, 0 elsewhere, to add to logits. (Tensors rather than scalar
    /// arguments: TorchSharp's implicit Scalars can be finalized during the native call that uses them, which
    /// crashed concurrent inference.)</summary>
    public static Tensor BosMask(long vocab, Device device)
    {
        var m = new float[vocab];
        m[Vocabulary.Bos] = float.NegativeInfinity;
        return torch.tensor(m, device: device);
    }

    /// <summary>P(ids[i] | ids[..i]) for i = 1..len-1 of every file, per file. Ids at or above the network's vocabulary are read as &lt;unk&gt;.</summary>
    public static double[][] ScoreFiles(LmNet net, IReadOnlyList<int[]> files, Device device, int group = 16, int chunk = 128, CancellationToken ct = default)
    {
        Native.TorchNative.EnsureLoaded();
        var result = new double[files.Count][];
        for (int f = 0; f < files.Count; f++) result[f] = new double[Math.Max(0, files[f].Length - 1)];
        using var ng = no_grad();
        bool wasTraining = net.training;
        net.eval();
        try
        {
            switch (net)
            {
                case RecurrentNet rn: ScoreRecurrent(rn, files, device, group, chunk, result, ct); break;
                case FeedForwardNet fn: ScoreWindows(fn, files, device, result, ct); break;
                default: throw new InvalidOperationException("not a next-token network");
            }
        }
        finally { if (wasTraining) net.train(); }
        return result;
    }

    private static int Map(int id, int vocab) => (uint)id < (uint)vocab ? id : Vocabulary.Unk;

    private static void ScoreRecurrent(RecurrentNet net, IReadOnlyList<int[]> files, Device device, int group, int chunk, double[][] result, CancellationToken ct)
    {
        int v = net.Shape.Vocab;
        // Similar lengths together: padding (after each file's end, so it never affects the file) stays small.
        var order = Enumerable.Range(0, files.Count).Where(i => files[i].Length >= 2).OrderByDescending(i => files[i].Length).ToArray();
        for (int g0 = 0; g0 < order.Length;)
        {
            // A group: the longest remaining file and the next ones while padding stays under a quarter of the work.
            int count = 1;
            long work = files[order[g0]].Length, longest = work;
            while (count < group && g0 + count < order.Length && (count + 1) * longest <= 1.25 * (work + files[order[g0 + count]].Length))
                work += files[order[g0 + count++]].Length;
            var idx = order.AsSpan(g0, count).ToArray();
            g0 += count;
            int b = idx.Length;
            int steps = files[idx[0]].Length - 1;
            var x = new long[steps * b];
            var y = new long[steps * b];
            for (int j = 0; j < b; j++)
            {
                var ids = files[idx[j]];
                for (int t = 0; t < steps; t++)
                {
                    bool real = t + 1 < ids.Length;
                    x[t * b + j] = real ? Map(ids[t], v) : Vocabulary.Eos;
                    y[t * b + j] = real ? Map(ids[t + 1], v) : 0;
                }
            }
            Tensor[]? state = null;
            try
            {
                for (int t0 = 0; t0 < steps; t0 += chunk)
                {
                    ct.ThrowIfCancellationRequested();
                    int len = Math.Min(chunk, steps - t0);
                    using var scope = NewDisposeScope();
                    var xt = torch.tensor(x.AsSpan(t0 * b, len * b).ToArray(), [len, b], device: device);
                    var yt = torch.tensor(y.AsSpan(t0 * b, len * b).ToArray(), [len, b], device: device);
                    var (logits, st) = net.Forward(xt, state);
                    var carried = st.Select(s => s.MoveToOuterDisposeScope()).ToArray();
                    if (state != null) foreach (var s in state) s.Dispose();
                    state = carried;
                    var lp = MaskedLogSoftmax(logits).gather(2, yt.unsqueeze(2)).squeeze(2).exp().cpu();
                    var probs = lp.data<float>().ToArray();
                    for (int t = 0; t < len; t++)
                        for (int j = 0; j < b; j++)
                        {
                            int pos = t0 + t;
                            var r = result[idx[j]];
                            if (pos < r.Length) r[pos] = probs[t * b + j];
                        }
                }
            }
            finally { if (state != null) foreach (var s in state) s.Dispose(); }
        }
    }

    private static void ScoreWindows(FeedForwardNet net, IReadOnlyList<int[]> files, Device device, double[][] result, CancellationToken ct)
    {
        int v = net.Shape.Vocab, w = net.Window;
        const int rowsPerBatch = 2048;
        var ctx = new List<long>();
        var tgt = new List<long>();
        var where = new List<(int File, int Pos)>();
        void Flush()
        {
            if (where.Count == 0) return;
            using var scope = NewDisposeScope();
            var xt = torch.tensor(ctx.ToArray(), [where.Count, w], device: device);
            var yt = torch.tensor(tgt.ToArray(), [where.Count, 1], device: device);
            var probs = MaskedLogSoftmax(net.Forward(xt)).gather(1, yt).squeeze(1).exp().cpu().data<float>().ToArray();
            for (int k = 0; k < where.Count; k++) result[where[k].File][where[k].Pos] = probs[k];
            ctx.Clear(); tgt.Clear(); where.Clear();
        }
        for (int f = 0; f < files.Count; f++)
        {
            var ids = files[f];
            for (int i = 1; i < ids.Length; i++)
            {
                for (int j = i - w; j < i; j++) ctx.Add(j < 0 ? Vocabulary.Bos : Map(ids[j], v));
                tgt.Add(Map(ids[i], v));
                where.Add((f, i - 1));
                if (where.Count == rowsPerBatch) { ct.ThrowIfCancellationRequested(); Flush(); }
            }
        }
        Flush();
    }
}
