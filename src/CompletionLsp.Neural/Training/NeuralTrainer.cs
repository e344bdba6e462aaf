using System.Diagnostics;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Data;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Nets;
using CompletionLsp.Neural.Storage;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace CompletionLsp.Neural.Training;

/// <summary>A trained neural model: its model-file section, a report, and (for next-token kinds) a usable model.</summary>
public sealed class NeuralTrainResult : IDisposable
{
    internal NeuralTrainResult(NeuralKind kind, LmNet net, byte[] section, NeuralTrainReport report, Vocabulary vocab, string device)
    {
        Kind = kind; Net = net; Section = section; Report = report; _vocab = vocab; _device = device;
    }

    private readonly Vocabulary _vocab;
    private readonly string _device;
    internal LmNet Net { get; }
    public NeuralKind Kind { get; }
    public string Name => Kind.Name();
    public string Tag => Kind.Tag();
    /// <summary>The payload to store in <see cref="ModelBundle.ExtraSections"/> under <see cref="Tag"/>.</summary>
    public byte[] Section { get; }
    public NeuralTrainReport Report { get; }

    /// <summary>A next-token model over the trained network (shares its weights). Not for the bidirectional model.</summary>
    public NeuralLanguageModel CreateLanguageModel() =>
        Kind.IsLeftToRight() ? new NeuralLanguageModel(Net, _vocab, Devices.Resolve(_device), ownsNet: false)
            : throw new InvalidOperationException("the bidirectional model is not a next-token model");

    public void Dispose() => Net.Dispose();
}

/// <summary>
/// Trains one neural model on token-id files (each &lt;s&gt; ... &lt;/s&gt;): truncated BPTT with the hidden state
/// carried (detached) from chunk to chunk, Adam, gradient-norm clipping, learning-rate decay when validation stops
/// improving, early stopping with the best weights kept, seeded initialization and data order, an optional time
/// budget, and progress with loss, tokens/s and ETA. Every batch runs in its own dispose scope.
/// </summary>
public static class NeuralTrainer
{
    public static NeuralTrainResult Train(NeuralKind kind, Vocabulary vocab, IReadOnlyList<int[]> train, IReadOnlyList<int[]> valid,
        NeuralOptions o, IProgress<NeuralProgress>? progress = null, CancellationToken ct = default)
    {
        o.Validate();
        if (kind == NeuralKind.BiLstm && o.Bptt < 3) throw new ArgumentException("the bidirectional model needs chunks of at least 3 tokens");
        var device = Devices.Resolve(o.Device);
        int threads = Devices.SetTrainingThreads(o.Threads);
        torch.manual_seed(o.Seed);
        var shape = NetShape.From(kind, vocab.StaticCount, o);
        var net = LmNet.Create(shape);
        try
        {
            net.to(device);
            var report = Loop(net, train, valid.Count > 0 ? valid : train, o, device, progress, ct) with { Threads = threads };
            var section = NeuralSection.Write(net, vocab, new NeuralSection.Stats(report.TokensSeen, report.Epochs, report.Seconds, report.BestValidBitsPerToken));
            return new NeuralTrainResult(kind, net, section, report, vocab, o.Device);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private static NeuralTrainReport Loop(LmNet net, IReadOnlyList<int[]> train, IReadOnlyList<int[]> valid, NeuralOptions o,
        Device device, IProgress<NeuralProgress>? progress, CancellationToken ct)
    {
        string name = net.Shape.Kind.Name();
        var sw = Stopwatch.StartNew();
        var opt = optim.Adam(net.parameters(), lr: o.LearningRate);
        double lr = o.LearningRate;
        int validBatch = Math.Min(16, o.BatchSize);
        using var validData = TokenData.Batchify(TokenData.Stream(valid, null, o.ValidationTokens), validBatch, device);
        double best = double.PositiveInfinity;
        List<float[]>? bestWeights = null;
        int bad = 0, epoch = 0;
        long tokensSeen = 0;
        double lastValidation = 0, trainSeconds = 0;
        string stop = "epochs done";
        double smoothLoss = double.NaN;
        long trainTokens = train.Sum(f => (long)f.Length);
        bool stopNow = false;

        // Returns false when training should stop (patience exhausted).
        bool Validate()
        {
            double bits = ValidationBits(net, validData, o.Bptt);
            lastValidation = sw.Elapsed.TotalSeconds;
            string note;
            if (bits < best - 1e-4)
            {
                best = bits;
                bestWeights = Snapshot(net);
                bad = 0;
                note = $"valid {bits:F3} bits/token (best)";
            }
            else
            {
                bad++;
                lr *= o.LrDecay;
                foreach (var g in opt.ParamGroups) g.LearningRate = lr;
                note = $"valid {bits:F3} bits/token (best {best:F3}), lr -> {lr:G3}";
            }
            progress?.Report(new NeuralProgress(name, epoch, 0, 0, smoothLoss, tokensSeen / Math.Max(1e-9, trainSeconds), sw.Elapsed, null, note));
            if (bad >= o.Patience) { stop = $"early stop: no improvement in {o.Patience} validations"; return false; }
            return true;
        }

        net.train();
        for (epoch = 1; epoch <= o.Epochs && !stopNow; epoch++)
        {
            using var data = TokenData.Batchify(TokenData.Stream(train, o.Seed * 7919 + epoch), o.BatchSize, device);
            long rows = data.shape[0];
            int T = o.Bptt;
            long stride = net is BiLstmNet ? T - 2 : T;
            long batches = Math.Max(1, (rows - 1 + stride - 1) / stride);
            using var windows = net is FeedForwardNet ff ? Windows(data, ff.Window) : null;
            Tensor[]? state = null;
            long b = 0;
            var epochWatch = Stopwatch.StartNew();
            for (long i = 0; i + (net is BiLstmNet ? 3 : 2) <= rows; i += stride, b++)
            {
                ct.ThrowIfCancellationRequested();
                if (o.TimeBudgetSeconds > 0 && sw.Elapsed.TotalSeconds >= o.TimeBudgetSeconds) { stop = "time budget"; stopNow = true; break; }
                var t0 = sw.Elapsed.TotalSeconds;
                float loss;
                long n;
                using (var scope = NewDisposeScope())
                {
                    Tensor lossT;
                    switch (net)
                    {
                        case RecurrentNet rn:
                        {
                            long len = Math.Min(T, rows - 1 - i);
                            var x = data.narrow(0, i, len);
                            var y = data.narrow(0, i + 1, len);
                            var (logits, st) = rn.Forward(x, state);
                            lossT = F.cross_entropy(logits.reshape(-1, logits.shape[2]), y.reshape(-1), ignore_index: Vocabulary.Bos);
                            // Carry the state into the next chunk, cut from this chunk's graph.
                            var carried = st.Select(s => s.detach().MoveToOuterDisposeScope()).ToArray();
                            if (state != null) foreach (var s in state) s.Dispose();
                            state = carried;
                            n = len * data.shape[1];
                            break;
                        }
                        case FeedForwardNet fn:
                        {
                            long len = Math.Min(T, rows - 1 - i);
                            var ctx = windows!.narrow(0, i + 1, len).reshape(-1, fn.Window);
                            var y = data.narrow(0, i + 1, len).reshape(-1);
                            lossT = F.cross_entropy(fn.Forward(ctx), y, ignore_index: Vocabulary.Bos);
                            n = len * data.shape[1];
                            break;
                        }
                        case BiLstmNet bn:
                        {
                            long len = Math.Min(T, rows - i);
                            var x = data.narrow(0, i, len);
                            var logits = bn.Forward(x);
                            var y = x.narrow(0, 1, len - 2);
                            lossT = F.cross_entropy(logits.reshape(-1, logits.shape[2]), y.reshape(-1), ignore_index: Vocabulary.Bos);
                            n = (len - 2) * data.shape[1];
                            break;
                        }
                        default: throw new InvalidOperationException();
                    }
                    opt.zero_grad();
                    lossT.backward();
                    if (o.Clip > 0) nn.utils.clip_grad_norm_(net.parameters(), o.Clip);
                    opt.step();
                    loss = lossT.item<float>();
                }
                tokensSeen += n;
                trainSeconds += sw.Elapsed.TotalSeconds - t0;
                smoothLoss = double.IsNaN(smoothLoss) ? loss : 0.95 * smoothLoss + 0.05 * loss;
                double tps = tokensSeen / Math.Max(1e-9, trainSeconds);
                if (progress != null)
                {
                    double perEpoch = epochWatch.Elapsed.TotalSeconds / (b + 1) * batches;
                    double left = (batches - b - 1) * (epochWatch.Elapsed.TotalSeconds / (b + 1)) + (o.Epochs - epoch) * perEpoch;
                    if (o.TimeBudgetSeconds > 0) left = Math.Min(left, Math.Max(0, o.TimeBudgetSeconds - sw.Elapsed.TotalSeconds));
                    progress.Report(new NeuralProgress(name, epoch, b + 1, batches, smoothLoss / Math.Log(2), tps, sw.Elapsed, TimeSpan.FromSeconds(left)));
                }
                if (sw.Elapsed.TotalSeconds - lastValidation >= o.ValidateEverySeconds)
                {
                    net.eval();
                    bool go = Validate();
                    net.train();
                    if (!go) { stopNow = true; break; }
                }
            }
            if (state != null) foreach (var s in state) s.Dispose();
            if (!stopNow)
            {
                net.eval();
                if (!Validate()) stopNow = true;
                net.train();
            }
        }
        if (stopNow && stop == "epochs done") stop = "stopped";
        net.eval();
        // Stopped by the time budget: the weights trained since the last validation may be the best yet.
        if (stop == "time budget" && sw.Elapsed.TotalSeconds - lastValidation > 1) Validate();
        if (bestWeights == null || double.IsPositiveInfinity(best)) best = ValidationBits(net, validData, o.Bptt);
        else Restore(net, bestWeights);
        opt.Dispose();
        int epochsRun = Math.Max(1, Math.Min(epoch - 1, o.Epochs));
        return new NeuralTrainReport(name, tokensSeen, epochsRun, sw.Elapsed.TotalSeconds, tokensSeen / Math.Max(1e-9, trainSeconds),
            best, stop, net.ParameterCount(), device.type.ToString().ToLowerInvariant());
    }

    /// <summary>For the feed-forward model: [rows + 1, batch, window] where window r holds the tokens before row r (&lt;s&gt; before the start).</summary>
    private static Tensor Windows(Tensor data, int window)
    {
        using var scope = NewDisposeScope();
        var bos = new long[window * data.shape[1]];
        Array.Fill(bos, Vocabulary.Bos);
        var pad = torch.tensor(bos, [window, data.shape[1]], device: data.device);
        var p = cat([pad, data], 0);                       // row q of p is row q - window of data
        return p.unfold(0, window, 1).contiguous().MoveToOuterDisposeScope(); // [rows + 1, batch, window]
    }

    /// <summary>Bits per token on the validation columns (no dropout, no gradients), &lt;s&gt; targets ignored.</summary>
    internal static double ValidationBits(LmNet net, Tensor data, int bptt)
    {
        using var ng = no_grad();
        long rows = data.shape[0];
        double nats = 0;
        long count = 0;
        Tensor[]? state = null;
        using var windows = net is FeedForwardNet ff ? Windows(data, ff.Window) : null;
        long stride = net is BiLstmNet ? bptt - 2 : bptt;
        for (long i = 0; i + (net is BiLstmNet ? 3 : 2) <= rows; i += stride)
        {
            using var scope = NewDisposeScope();
            Tensor logits, y;
            switch (net)
            {
                case RecurrentNet rn:
                {
                    long len = Math.Min(bptt, rows - 1 - i);
                    var (lg, st) = rn.Forward(data.narrow(0, i, len), state);
                    logits = lg; y = data.narrow(0, i + 1, len);
                    var carried = st.Select(s => s.MoveToOuterDisposeScope()).ToArray();
                    if (state != null) foreach (var s in state) s.Dispose();
                    state = carried;
                    break;
                }
                case FeedForwardNet fn:
                {
                    long len = Math.Min(bptt, rows - 1 - i);
                    logits = fn.Forward(windows!.narrow(0, i + 1, len).reshape(-1, fn.Window));
                    y = data.narrow(0, i + 1, len);
                    break;
                }
                case BiLstmNet bn:
                {
                    long len = Math.Min(bptt, rows - i);
                    var x = data.narrow(0, i, len);
                    logits = bn.Forward(x); y = x.narrow(0, 1, len - 2);
                    break;
                }
                default: throw new InvalidOperationException();
            }
            var yf = y.reshape(-1);
            var logp = Scoring.MaskedLogSoftmax(logits.reshape(-1, logits.shape[^1]));
            using var bosId = torch.tensor(new long[] { Vocabulary.Bos }, device: yf.device);
            var keep = yf.ne(bosId);
            var picked = logp.gather(1, yf.unsqueeze(1)).squeeze(1).masked_select(keep);
            nats -= picked.sum().item<float>();
            count += picked.shape[0];
        }
        if (state != null) foreach (var s in state) s.Dispose();
        return count == 0 ? double.NaN : nats / count / Math.Log(2);
    }

    private static List<float[]> Snapshot(LmNet net)
    {
        using var scope = NewDisposeScope();
        return net.parameters().Select(p => p.detach().cpu().contiguous().data<float>().ToArray()).ToList();
    }

    private static void Restore(LmNet net, List<float[]> weights)
    {
        using var scope = NewDisposeScope();
        using var ng = no_grad();
        int k = 0;
        foreach (var p in net.parameters()) p.copy_(torch.tensor(weights[k++], p.shape));
    }
}
