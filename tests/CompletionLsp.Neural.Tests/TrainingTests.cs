using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Training;

namespace CompletionLsp.Neural.Tests;

public class TrainingTests
{
    [Theory]
    [InlineData(NeuralKind.Ffnn)]
    [InlineData(NeuralKind.Rnn)]
    [InlineData(NeuralKind.Lstm)]
    [InlineData(NeuralKind.Gru)]
    [InlineData(NeuralKind.BiLstm)]
    public void EachArchitectureTrainsAndItsLossFalls(NeuralKind kind)
    {
        var train = TinyCorpus.Files(40);
        var valid = TinyCorpus.Files(6, 1000);
        var bundle = TinyCorpus.Bundle(train);
        var v = bundle.Vocabulary;
        var losses = new List<double>();
        var notes = new List<string>();
        var progress = new Core.Training.InlineProgress<NeuralProgress>(p =>
        {
            if (p.Note != null) notes.Add(p.Note);
            else if (p.Batch > 0) losses.Add(p.Loss);
        });
        using var r = NeuralTrainer.Train(kind, v, TinyCorpus.Ids(v, train), TinyCorpus.Ids(v, valid), TinyCorpus.Options, progress);
        Assert.True(losses.Count > 10, $"only {losses.Count} batches");
        double uniform = Math.Log2(v.StaticCount);
        // The first batch is near the uniform distribution; training brings loss (bits/token) far below it.
        Assert.True(losses[0] > uniform * 0.7, $"first loss {losses[0]:F2} vs uniform {uniform:F2}");
        Assert.True(losses[^1] < losses[0] * 0.6, $"{kind}: loss {losses[0]:F2} -> {losses[^1]:F2}");
        Assert.True(r.Report.BestValidBitsPerToken < uniform * 0.5, $"{kind}: valid {r.Report.BestValidBitsPerToken:F2} bits vs uniform {uniform:F2}");
        Assert.Equal(kind.Name(), r.Report.Model);
        Assert.Equal("cpu", r.Report.Device);
        Assert.True(r.Report.TokensPerSecond > 0);
        Assert.NotEmpty(notes);
        Assert.NotEmpty(r.Section);
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        var train = TinyCorpus.Files(12);
        var bundle = TinyCorpus.Bundle(train);
        var ids = TinyCorpus.Ids(bundle.Vocabulary, train);
        var o = TinyCorpus.Options with { Epochs = 1 };
        using var a = NeuralTrainer.Train(NeuralKind.Gru, bundle.Vocabulary, ids, ids.Take(2).ToList(), o);
        using var b = NeuralTrainer.Train(NeuralKind.Gru, bundle.Vocabulary, ids, ids.Take(2).ToList(), o);
        Assert.Equal(a.Report.BestValidBitsPerToken, b.Report.BestValidBitsPerToken, 5);
    }

    [Fact]
    public void TheTimeBudgetStopsTraining()
    {
        var train = TinyCorpus.Files(40);
        var bundle = TinyCorpus.Bundle(train);
        var ids = TinyCorpus.Ids(bundle.Vocabulary, train);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var r = NeuralTrainer.Train(NeuralKind.Lstm, bundle.Vocabulary, ids, ids.Take(3).ToList(),
            TinyCorpus.Options with { Epochs = 1000, Patience = 1000, TimeBudgetSeconds = 1.5 });
        Assert.Equal("time budget", r.Report.StopReason);
        Assert.True(sw.Elapsed.TotalSeconds < 15, $"took {sw.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        var train = TinyCorpus.Files(10);
        var bundle = TinyCorpus.Bundle(train);
        var ids = TinyCorpus.Ids(bundle.Vocabulary, train);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() =>
            NeuralTrainer.Train(NeuralKind.Gru, bundle.Vocabulary, ids, ids, TinyCorpus.Options, null, cts.Token));
    }
}
