using CompletionLsp.Core.Training;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;

namespace CompletionLsp.TestSupport;

/// <summary>
/// The repository the tests run in, the program next to the test binaries, and models trained for tests on the
/// repository's own sources (never hard-coded, never committed).
/// </summary>
public static class Repo
{
    private static readonly Lazy<string> FoundRoot = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "CompletionLsp.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompletionLsp.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The folder above the test binaries that holds CompletionLsp.sln.</summary>
    public static string Root => FoundRoot.Value;

    /// <summary>The repository's src/ folder: C# we wrote, that tests train on.</summary>
    public static string Src => Path.Combine(Root, "src");

    /// <summary>completion-lsp.dll (the CLI and the server, run with `dotnet`), copied next to the tests by their project reference to the CLI.</summary>
    public static string CompletionLspDll => Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");

    /// <summary>The repository's own C# sources (bin/obj skipped), largest first.</summary>
    public static IReadOnlyList<string> SourceFiles() =>
        RepoWalker.Walk(Src, new List<SkippedFile>()).OrderByDescending(f => f.Length).ThenBy(f => f.RelativePath, StringComparer.Ordinal)
            .Select(f => f.FullPath).ToList();

    private static readonly Lazy<string> SrcModel = new(() => TrainOnce(Src, "src.model"));
    private static readonly Lazy<string> SmallModel = new(() => TrainOnce(Path.Combine(Src, "CompletionLsp.Core"), "small.model"));

    /// <summary>A model trained (once per test run, all files) on this repository's src/ folder.</summary>
    public static string SrcModelPath => SrcModel.Value;

    /// <summary>A smaller model trained (once per test run, all files) on this repository's src/CompletionLsp.Core.</summary>
    public static string SmallModelPath => SmallModel.Value;

    private static string TrainOnce(string root, string name)
    {
        var path = Path.Combine(TempDir.Create("models"), name);
        Trainer.Train(new TrainOptions { Root = root, AllFiles = true }).Save(path);
        return path;
    }

    /// <summary>A small repository of generated C# files (for training in tests), in a fresh folder that is kept.</summary>
    public static string FixtureRepo(int files, string name = "repo")
    {
        var root = TempDir.Create(name);
        for (int i = 0; i < files; i++)
        {
            File.WriteAllText(Path.Combine(root, $"Widget{i}.cs"), $$"""
                using System;
                using System.Collections.Generic;

                namespace Fixture
                {
                    public sealed class Widget{{i}}
                    {
                        private readonly List<string> _names = new List<string>();

                        public int Count => _names.Count;

                        public void Add(string name)
                        {
                            if (name == null) throw new ArgumentNullException(nameof(name));
                            _names.Add(name);
                            Console.WriteLine("added " + name);
                        }
                    }
                }
                """);
        }
        return root;
    }
}
