using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Tests;

/// <summary>Where this repository is: tests train on its own src/ folder (C# we wrote).</summary>
public static class Repo
{
    public static string Root => TestShared.RepoRoot.Path;
    public static string Src => Path.Combine(Root, "src");

    /// <summary>The repository's own C# sources (bin/obj skipped), largest first.</summary>
    public static IReadOnlyList<string> SourceFiles() =>
        RepoWalker.Walk(Src, new List<SkippedFile>()).OrderByDescending(f => f.Length).ThenBy(f => f.RelativePath, StringComparer.Ordinal)
            .Select(f => f.FullPath).ToList();
}

/// <summary>A temporary folder, deleted (permissions restored first) when disposed.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? name = null)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clsp-tests", (name ?? "t") + "-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative, string text)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public string Bytes(string relative, byte[] bytes)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Copies the repository's own sources (src/) here, keeping their relative paths.</summary>
    public void CopySources(string subfolder = "")
    {
        foreach (var f in RepoWalker.Walk(Repo.Src, new List<SkippedFile>()))
        {
            var dest = System.IO.Path.Combine(Path, subfolder, f.RelativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(dest)!);
            System.IO.File.Copy(f.FullPath, dest);
        }
    }

    public void Dispose()
    {
        try
        {
            if (!OperatingSystem.IsWindows())
                foreach (var d in Directory.EnumerateFileSystemEntries(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
                    try { System.IO.File.SetUnixFileMode(d, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); } catch { }
            Directory.Delete(Path, true);
        }
        catch { /* best effort */ }
    }
}

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
