using CompletionLsp.Core.Training;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Tests;

/// <summary>
/// A model trained once on the repository's own src/ folder (order 6, modified Kneser-Ney, min count 2: the defaults),
/// shared by the tests of the "trained model" collection. <see cref="Bundle"/> is for read-only model queries; tests that
/// give a model to an engine (which adds dynamic words to its vocabulary) take their own copy with <see cref="LoadFresh"/>.
/// </summary>
public sealed class TrainedModelFixture : IDisposable
{
    private readonly TempDir _dir = new("model");

    public TrainedModelFixture()
    {
        Corpus = Trainer.LoadCorpus(Repo.Src, new WalkOptions(), null, default);
        Bundle = Trainer.Train(new TrainOptions { Root = Repo.Src });
        ModelPath = System.IO.Path.Combine(_dir.Path, "model");
        Bundle.Save(ModelPath);
    }

    public CorpusSplit Corpus { get; }
    public ModelBundle Bundle { get; }
    public string ModelPath { get; }

    public ModelBundle LoadFresh() => ModelBundle.Load(ModelPath);

    /// <summary>Models of other orders and smoothings over the training split, built once each.</summary>
    public NGramModel Model(int order, SmoothingKind smoothing = SmoothingKind.KneserNey, double delta = 0.01)
    {
        lock (_models)
        {
            var key = (order, smoothing, delta);
            if (!_models.TryGetValue(key, out var m))
            {
                var b = Trainer.Build(Corpus.Train, new TrainOptions { Root = Repo.Src, Order = order, Smoothing = smoothing, Delta = delta });
                _models[key] = m = b.NGram;
            }
            return m;
        }
    }

    private readonly Dictionary<(int, SmoothingKind, double), NGramModel> _models = new();

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class TrainedModelCollection : ICollectionFixture<TrainedModelFixture>
{
    public const string Name = "trained model";
}
