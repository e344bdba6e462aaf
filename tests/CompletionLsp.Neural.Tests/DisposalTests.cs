using CompletionLsp.Neural.Training;
using TorchSharp;

namespace CompletionLsp.Neural.Tests;

public class DisposalTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    [Theory]
    [InlineData(NeuralKind.Lstm)]
    [InlineData(NeuralKind.Ffnn)]
    public void InferenceRequestsLeaveNoTensorsBehind(NeuralKind kind)
    {
        using var lm = m.Results[kind].CreateLanguageModel();
        var ids = m.TestIds(1);
        lm.Distribution(ids.AsSpan(0, 10)); // warm-up
        long before = torch.Tensor.TotalCount;
        var stats = DisposeScopeManager.Statistics;
        stats.Reset();
        var top = new List<Core.Models.ScoredToken>();
        for (int n = 1; n < Math.Min(ids.Length, 200); n++)
        {
            lm.Probability(ids.AsSpan(0, n), ids[n]);
            lm.TopK(ids.AsSpan(0, n), 5, null, top);
            if (n % 50 == 0) lm.Distribution(ids.AsSpan(0, n / 3)); // a rewind
        }
        Assert.Equal(before, torch.Tensor.TotalCount);
        Assert.Equal(0, stats.ThreadTotalLiveCount);
        Assert.True(stats.CreatedInScopeCount > 0, "requests create their tensors in a dispose scope");
    }

    [Fact]
    public void TrainingLeavesNoTensorsBehind()
    {
        var train = TinyCorpus.Files(10);
        var bundle = TinyCorpus.Bundle(train);
        var ids = TinyCorpus.Ids(bundle.Vocabulary, train);
        foreach (var kind in NeuralKinds.All)
        {
            // TorchSharp's nn.Linear leaves the wrappers of the tensors it turns into parameters (2 per layer) at
            // construction: measure what merely building and disposing the network leaves, as the baseline.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long c0 = torch.Tensor.TotalCount;
            Nets.LmNet.Create(Nets.NetShape.From(kind, bundle.Vocabulary.StaticCount, TinyCorpus.Options)).Dispose();
            long construction = torch.Tensor.TotalCount - c0;
            Assert.InRange(construction, 0, 4);
            foreach (int epochs in new[] { 1, 3 })
            {
                // Tensors other tests left to the finalizer must not be counted as freed during training.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                long before = torch.Tensor.TotalCount;
                NeuralTrainer.Train(kind, bundle.Vocabulary, ids, ids.Take(2).ToList(), TinyCorpus.Options with { Epochs = epochs }).Dispose();
                long left = torch.Tensor.TotalCount - before;
                Assert.True(left == construction, $"{kind}, {epochs} epoch(s): {left} tensors left after training, {construction} from construction alone");
            }
        }
    }
}
