using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Native;
using CompletionLsp.Neural.Storage;
using CompletionLsp.Neural.Training;

namespace CompletionLsp.Neural.Tests;

/// <summary>Trains small models once and shares them among the inference tests.</summary>
public sealed class TrainedModels : IDisposable
{
    public TrainedModels()
    {
        Train = TinyCorpus.Files(30);
        Test = TinyCorpus.Files(4, 500, members: 30);
        Bundle = TinyCorpus.Bundle(Train);
        var ids = TinyCorpus.Ids(Bundle.Vocabulary, Train);
        var o = TinyCorpus.Options with { Epochs = 2 };
        foreach (var k in NeuralKinds.All) Results[k] = NeuralTrainer.Train(k, Bundle.Vocabulary, ids, ids.Take(3).ToList(), o);
    }

    public List<Core.Corpus.TokenizedFile> Train { get; }
    public List<Core.Corpus.TokenizedFile> Test { get; }
    public ModelBundle Bundle { get; }
    public Dictionary<NeuralKind, NeuralTrainResult> Results { get; } = new();
    public int[] TestIds(int i) => Data.TokenData.FileIds(Bundle.Vocabulary, Test[i]);

    public void Dispose() { foreach (var r in Results.Values) r.Dispose(); }
}

public class InferenceTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    public static TheoryData<NeuralKind> NextTokenKinds => new() { NeuralKind.Ffnn, NeuralKind.Rnn, NeuralKind.Lstm, NeuralKind.Gru };

    [Theory]
    [MemberData(nameof(NextTokenKinds))]
    public void SaveAndLoadGiveIdenticalOutputs(NeuralKind kind)
    {
        var r = m.Results[kind];
        var path = Path.Combine(Path.GetTempPath(), $"clsp-neural-{Guid.NewGuid():N}.model");
        try
        {
            var b = m.Bundle;
            var saved = new ModelBundle
            {
                Vocabulary = b.Vocabulary, NGram = b.NGram, Spacing = b.Spacing,
                ExtraSections = new() { [r.Tag] = r.Section }, MixtureWeights = new() { ["ngram"] = 0.4, [r.Name] = 0.6 },
            };
            saved.Save(path);
            var loaded = ModelBundle.Load(path);
            Assert.Equal([kind], NeuralModels.KindsIn(loaded));
            using var a = r.CreateLanguageModel();
            using var c = NeuralModels.Load(loaded, kind, "cpu", path);
            var ids = m.TestIds(0);
            foreach (int n in new[] { 1, 2, 5, 40, 130 })
                Assert.Equal(a.Distribution(ids.AsSpan(0, n)), c.Distribution(ids.AsSpan(0, n)));
            // The static model is the n-gram and the neural model interpolated with the saved weights.
            var mix = Assert.IsType<MixtureModel>(NeuralModels.CreateStaticModel(loaded, "cpu", path));
            Assert.Equal([0.4, 0.6], mix.Weights);
            Assert.Contains(NeuralKinds.All.Single(k => k == kind).Name(), NeuralModels.Describe(loaded, kind));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void CorruptOrForeignSectionsAreRejected()
    {
        var r = m.Results[NeuralKind.Lstm];
        var v = m.Bundle.Vocabulary;
        Assert.Throws<ModelFormatException>(() => NeuralSection.Read("x", "LSTM", r.Section.AsSpan(0, r.Section.Length - 3).ToArray(), v));
        Assert.Throws<ModelFormatException>(() => NeuralSection.Read("x", "GRU_", r.Section, v)); // wrong tag for its kind
        var other = TinyCorpus.Bundle(TinyCorpus.Files(5, 9000)).Vocabulary;
        Assert.Throws<ModelFormatException>(() => NeuralSection.Read("x", "LSTM", r.Section, other));
        var bad = (byte[])r.Section.Clone();
        BitConverter.TryWriteBytes(bad.AsSpan(24, 4), 100000); // embedding size
        Assert.Throws<ModelFormatException>(() => NeuralSection.Read("x", "LSTM", bad, v));
        var nan = (byte[])r.Section.Clone();
        BitConverter.TryWriteBytes(nan.AsSpan(nan.Length - 4, 4), float.NaN);
        Assert.Throws<ModelFormatException>(() => NeuralSection.Read("x", "LSTM", nan, v));
    }

    [Theory]
    [MemberData(nameof(NextTokenKinds))]
    public void IncrementalInferenceEqualsFullRecomputation(NeuralKind kind)
    {
        using var inc = m.Results[kind].CreateLanguageModel();
        using var full = m.Results[kind].CreateLanguageModel();
        var ids = m.TestIds(1);
        Assert.True(ids.Length > 2 * NeuralLanguageModel.CheckpointInterval + 10);
        // Batched whole-file scoring: the reference.
        var batched = Scoring.ScoreFiles(m.Results[kind].Net, [ids], Devices.Resolve("cpu"))[0];
        for (int n = 1; n < ids.Length; n++)
        {
            double p = inc.Probability(ids.AsSpan(0, n), ids[n]);
            Assert.Equal(batched[n - 1], p, 1e-5);
            if (n % 37 == 0)
            {
                full.ClearCache();
                Assert.Equal(full.Distribution(ids.AsSpan(0, n)), inc.Distribution(ids.AsSpan(0, n)), new FloatClose(1e-5f));
            }
        }
        // Only the new token ran each time (the feed-forward model: one window per position), and nothing for the
        // repeated context of Distribution.
        Assert.True(inc.TokensRun <= ids.Length, $"ran {inc.TokensRun} tokens for a {ids.Length}-token file");
    }

    [Theory]
    [InlineData(NeuralKind.Lstm)]
    [InlineData(NeuralKind.Gru)]
    public void AnEditInTheMiddleRecomputesFromACheckpoint(NeuralKind kind)
    {
        using var inc = m.Results[kind].CreateLanguageModel();
        using var fresh = m.Results[kind].CreateLanguageModel();
        var ids = m.TestIds(2);
        int n = Math.Min(ids.Length - 1, 3 * NeuralLanguageModel.CheckpointInterval + 20);
        inc.Distribution(ids.AsSpan(0, n));
        long before = inc.TokensRun;
        // Change a token after the second checkpoint.
        var edited = ids.AsSpan(0, n).ToArray();
        int at = 2 * NeuralLanguageModel.CheckpointInterval + 5;
        edited[at] = edited[at] == Vocabulary.Eos ? Vocabulary.Unk : Vocabulary.Eos;
        var got = inc.Distribution(edited);
        Assert.Equal(n - 2 * NeuralLanguageModel.CheckpointInterval, inc.TokensRun - before);
        Assert.Equal(fresh.Distribution(edited), got, new FloatClose(1e-5f));
        // Deleting back to a shorter prefix, then a dynamic id (read as <unk>).
        Assert.Equal(fresh.Distribution(ids.AsSpan(0, 50)), inc.Distribution(ids.AsSpan(0, 50)), new FloatClose(1e-5f));
        var withNew = ids.AsSpan(0, 60).ToArray();
        withNew[55] = m.Bundle.Vocabulary.StaticCount + 3;
        var asUnk = ids.AsSpan(0, 60).ToArray();
        asUnk[55] = Vocabulary.Unk;
        Assert.Equal(fresh.Distribution(asUnk), inc.Distribution(withNew), new FloatClose(1e-5f));
    }

    [Fact]
    public void BranchesFromTheSamePrefixCostOneTokenEach()
    {
        using var lm = m.Results[NeuralKind.Gru].CreateLanguageModel();
        using var fresh = m.Results[NeuralKind.Gru].CreateLanguageModel();
        var ids = m.TestIds(3);
        var prefix = ids.AsSpan(0, 100).ToArray();
        lm.Distribution(prefix);
        // Beam search: several hypotheses, each one token longer than the prefix, then each extended again.
        var hyps = new[] { 20, 21, 22, 23 }.Select(t => prefix.Append(t).ToArray()).ToList();
        foreach (var h in hyps) lm.Distribution(h);
        long before = lm.TokensRun;
        foreach (var h in hyps)
        {
            var longer = h.Append(30).ToArray();
            Assert.Equal(fresh.Distribution(longer), lm.Distribution(longer), new FloatClose(1e-5f));
            Assert.Equal(fresh.Distribution(h), lm.Distribution(h), new FloatClose(1e-5f));
        }
        // Each branch reruns from the state where the hypotheses split: 2 tokens for the longer one, 1 to go back
        // (a distribution comes from running the context's last token) -- not the 100-token prefix.
        Assert.True(lm.TokensRun - before <= 3 * hyps.Count, $"ran {lm.TokensRun - before} tokens for {hyps.Count} two-token branches");
    }

    [Theory]
    [MemberData(nameof(NextTokenKinds))]
    public void DistributionsAreProperAndTopKIsConsistent(NeuralKind kind)
    {
        using var lm = m.Results[kind].CreateLanguageModel();
        var ids = m.TestIds(0);
        var ctx = ids.AsSpan(0, 30);
        double sum = 0;
        for (int t = 0; t < m.Bundle.Vocabulary.StaticCount; t++) sum += lm.Probability(ctx, t);
        Assert.Equal(1.0, sum, 4);
        Assert.Equal(0, lm.Probability(ctx, Vocabulary.Bos));
        Assert.Equal(0, lm.Probability(ctx, m.Bundle.Vocabulary.StaticCount + 5));
        var top = new List<ScoredToken>();
        lm.TopK(ctx, 5, id => id != Vocabulary.Unk, top);
        Assert.Equal(5, top.Count);
        var dist = lm.Distribution(ctx);
        var expected = Enumerable.Range(0, dist.Length).Where(i => i != Vocabulary.Unk && i != Vocabulary.Bos)
            .OrderByDescending(i => dist[i]).ThenBy(i => i).Take(5).ToList();
        Assert.Equal(expected, top.Select(s => s.Id).ToList());
        for (int i = 1; i < top.Count; i++) Assert.True(top[i - 1].Probability >= top[i].Probability);
    }

    [Fact]
    public void ConcurrentRequestsGiveTheSameAnswers()
    {
        using var lm = m.Results[NeuralKind.Gru].CreateLanguageModel();
        using var reference = m.Results[NeuralKind.Gru].CreateLanguageModel();
        var files = Enumerable.Range(0, 4).Select(m.TestIds).ToList();
        var expected = files.Select(f => Enumerable.Range(1, f.Length - 1).Select(n => reference.Probability(f.AsSpan(0, n), f[n])).ToArray()).ToList();
        var got = new double[files.Count][];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            got[i] = Enumerable.Range(1, files[i].Length - 1).Select(n => lm.Probability(files[i].AsSpan(0, n), files[i][n])).ToArray());
        for (int i = 0; i < files.Count; i++) Assert.Equal(expected[i], got[i], new DoubleClose(1e-6));
    }

    [Theory]
    [InlineData(NeuralKind.Lstm)]
    [InlineData(NeuralKind.Gru)]
    public void AFarJumpRunsABoundedWindowThatThenExtendsTokenByToken(NeuralKind kind)
    {
        var ids = Enumerable.Range(0, 4).SelectMany(m.TestIds).ToArray(); // a long "document"
        Assert.True(ids.Length > 600, $"{ids.Length} tokens");
        using var bounded = m.Results[kind].CreateLanguageModel();
        bounded.MaxRunTokens = 100;
        using var reference = m.Results[kind].CreateLanguageModel();
        int at = ids.Length - 7;
        long before = bounded.TokensRun;
        var p = bounded.Distribution(ids.AsSpan(0, at));
        long run = bounded.TokensRun - before;
        Assert.InRange(run, 100, 100 + NeuralLanguageModel.CheckpointInterval); // not the whole prefix
        Assert.Equal(1, bounded.WindowedRequests);
        // The answer is the network's on <s> + the window's tokens (the window starts at a checkpoint multiple).
        int start = (at - 100) / NeuralLanguageModel.CheckpointInterval * NeuralLanguageModel.CheckpointInterval;
        var window = new[] { Vocabulary.Bos }.Concat(ids[start..at]).ToArray();
        Assert.Equal(reference.Distribution(window), p, new FloatClose(1e-5f));
        // Typing on: each request runs one more token, and still from the window.
        for (int k = 1; k <= 5; k++)
        {
            before = bounded.TokensRun;
            var q = bounded.Distribution(ids.AsSpan(0, at + k));
            Assert.Equal(1, bounded.TokensRun - before);
            Assert.Equal(reference.Distribution([.. window, .. ids[at..(at + k)]]), q, new FloatClose(1e-5f));
        }
        // Short contexts are never windowed, and without a limit the whole prefix runs (evaluation's setting).
        using var unlimited = m.Results[kind].CreateLanguageModel();
        unlimited.Distribution(ids.AsSpan(0, at));
        Assert.Equal(at, unlimited.TokensRun);
        Assert.Equal(0, unlimited.WindowedRequests);
    }

    [Fact]
    public void TheBidirectionalModelsOnePositionForwardEqualsTheFullForward()
    {
        var net = (Nets.BiLstmNet)m.Results[NeuralKind.BiLstm].Net;
        var ids = m.TestIds(0).Take(40).Select(i => (long)i).ToArray();
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var ng = TorchSharp.torch.no_grad();
        var x = TorchSharp.torch.tensor(ids, [ids.Length, 1]);
        var all = net.Forward(x); // [T-2, 1, V] for positions 1..T-2
        foreach (long pos in new long[] { 1, 17, ids.Length - 2 })
        {
            var one = net.ForwardAt(x, pos).select(0, 0).data<float>().ToArray();
            var row = all.select(0, pos - 1).select(0, 0).data<float>().ToArray();
            Assert.Equal(row, one, new FloatClose(1e-4f));
        }
    }

    [Fact]
    public void TheBidirectionalModelReranksCandidates()
    {
        var r = m.Results[NeuralKind.BiLstm];
        var path = Path.Combine(Path.GetTempPath(), $"clsp-bils-{Guid.NewGuid():N}.model");
        try
        {
            var b = m.Bundle;
            new ModelBundle { Vocabulary = b.Vocabulary, NGram = b.NGram, ExtraSections = new() { ["BILS"] = r.Section } }.Save(path);
            var loaded = ModelBundle.Load(path);
            using var rr = NeuralModels.LoadReranker(loaded, "cpu", path)!;
            Assert.Same(loaded.NGram, NeuralModels.CreateStaticModel(loaded)); // not a next-token model
            var ids = m.TestIds(0);
            int pos = 20;
            var cands = Enumerable.Range(Vocabulary.ReservedCount, 12).ToList();
            if (!cands.Contains(ids[pos])) cands[0] = ids[pos];
            var scores = rr.Score(ids.AsSpan(0, pos), ids.AsSpan(pos + 1), cands);
            Assert.All(scores, s => Assert.InRange(s, 0, 1));
            // The right context matters: the same left context with another right context scores differently.
            var other = rr.Score(ids.AsSpan(0, pos), ids.AsSpan(pos + 7), cands);
            Assert.NotEqual(scores, other);
            var result = InfillEvaluator.Evaluate(loaded.NGram, rr, m.Test);
            Assert.Equal(m.Test.Sum(f => f.Tokens.Length), result.Base.Tokens);
            Assert.True(result.BiLstm.Top1 > 0 && result.InCandidates >= result.BiLstm.Top5);
            // On this regular corpus the right context helps.
            Assert.True(result.BiLstm.Mrr >= result.Base.Mrr * 0.95, $"bilstm {result.BiLstm.Mrr:F3} vs base {result.Base.Mrr:F3}");
        }
        finally { File.Delete(path); }
    }

    private sealed class FloatClose(float tol) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(float f) => 0;
    }

    private sealed class DoubleClose(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(double f) => 0;
    }
}
