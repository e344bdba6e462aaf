using CompletionLsp.Cli;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Neural.Inference;
using CompletionLsp.Neural.Training;

namespace CompletionLsp.Neural.Tests;

public class PipelineTests(TrainedModels m) : IClassFixture<TrainedModels>
{
    [Fact]
    public void ThePipelineTrainsFitsWeightsAndTheHookBuildsTheMixture()
    {
        var files = TinyCorpus.Files(40);
        var bundle = TinyCorpus.Bundle(files);
        var (nb, report) = NeuralPipeline.Train(bundle, files, [NeuralKind.Lstm, NeuralKind.Ffnn, NeuralKind.BiLstm],
            TinyCorpus.Options with { Epochs = 2 }, totalBudgetSeconds: 120);
        Assert.Equal(3, report.Models.Count);
        Assert.Equal(["BILS", "FFNN", "LSTM"], nb.ExtraSections.Keys.Order().ToArray());
        Assert.Equal(["ffnn", "lstm", "ngram"], nb.MixtureWeights.Keys.Order().ToArray()); // bilstm is not a next-token model
        Assert.Equal(1.0, nb.MixtureWeights.Values.Sum(), 6);
        // EM on held-out data: the mixture is at least as good as its best component there.
        Assert.True(report.ValidationBits["mixture"] <= report.ValidationBits.Where(kv => kv.Key != "mixture").Min(kv => kv.Value) + 1e-3,
            string.Join(", ", report.ValidationBits.Select(kv => $"{kv.Key} {kv.Value:F4}")) + "; weights " + string.Join(", ", nb.MixtureWeights.Select(kv => $"{kv.Key} {kv.Value:F4}")));
        Assert.Contains("lstm", nb.Info.Models);

        var path = Path.Combine(Path.GetTempPath(), $"clsp-pipe-{Guid.NewGuid():N}.model");
        try
        {
            nb.Save(path);
            var loaded = ModelBundle.Load(path);
            var factory = NeuralHook.Factory!;
            // The static model holds the components with a positive weight (on this tiny corpus EM may drop some).
            var positive = loaded.MixtureWeights.Count(kv => kv.Value > 0);
            var stat = factory(loaded);
            if (positive > 1) Assert.Equal(positive, Assert.IsType<MixtureModel>(stat).Components.Count);
            else Assert.IsNotType<MixtureModel>(stat);
            // With weights on all three, the mixture has all three.
            loaded.MixtureWeights["ngram"] = 0.5; loaded.MixtureWeights["lstm"] = 0.3; loaded.MixtureWeights["ffnn"] = 0.2;
            var mix = Assert.IsType<MixtureModel>(factory(loaded));
            Assert.Equal(3, mix.Components.Count);
            Assert.Equal([0.5, 0.2, 0.3], mix.Weights); // n-gram first, then the neural models in kind order (ffnn, lstm)
            var ctx = TinyCorpus.Ids(loaded.Vocabulary, files.Take(1))[0].AsSpan(0, 25);
            double sum = 0;
            for (int t = 0; t < loaded.Vocabulary.StaticCount; t++) sum += mix.Probability(ctx, t);
            Assert.Equal(1.0, sum, 4);
            // Without neural sections the hook returns the n-gram itself.
            Assert.Same(bundle.NGram, factory(bundle));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void TheJointEvaluatorMatchesTheCoreEvaluator()
    {
        using var lstm = m.Results[NeuralKind.Lstm].CreateLanguageModel();
        using var ffnn = m.Results[NeuralKind.Ffnn].CreateLanguageModel();
        var mix = new MixtureModel([m.Bundle.NGram, lstm, ffnn], [0.5, 0.3, 0.2]);
        var models = new List<(string, ILanguageModel)> { ("ngram", m.Bundle.NGram), ("lstm", lstm), ("ffnn", ffnn), ("mixture", mix) };
        var joint = JointEvaluator.Evaluate(models, m.Test, m.Bundle.Cache, true, true);
        long ran = lstm.TokensRun, ranWindows = ffnn.TokensRun;
        foreach (var (name, model) in models)
            foreach (var s in new[] { "static", "dynamic" })
            {
                var expected = Evaluator.Evaluate(model, m.Test, s == "dynamic" ? m.Bundle.Cache : null).Overall;
                var got = joint[s][name].Overall;
                Assert.Equal(expected.Tokens, got.Tokens);
                Assert.Equal(expected.Top1, got.Top1);
                Assert.Equal(expected.Top5, got.Top5);
                Assert.Equal(expected.Bits, got.Bits, 6);
                Assert.Equal(expected.ReciprocalRank, got.ReciprocalRank, 9);
            }
        // The neural networks ran about once per token for all models and settings together.
        long tokens = m.Test.Sum(f => f.Tokens.Length + 1);
        Assert.True(ran <= tokens * 1.02 + 10, $"lstm ran {ran} tokens for {tokens}");
        Assert.True(ranWindows <= tokens * 1.02 + 10, $"ffnn ran {ranWindows} windows for {tokens} tokens");
    }
}
