using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Server.Tests.Harness;

/// <summary>The repository this test runs in, and models trained for tests (on its own sources, never hard-coded).</summary>
public static class Repo
{
    public static string Root => TestShared.RepoRoot.Path;

    public static string Src => Path.Combine(Root, "src");

    /// <summary>The completion-lsp executable (a dll run with `dotnet`), copied next to the tests by the project reference.</summary>
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "completion-lsp.dll");

    private static readonly Lazy<string> SrcModel = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"clsp-tests-{Environment.ProcessId}", "src.model");
        Trainer.Train(new TrainOptions { Root = Src, AllFiles = true }).Save(path);
        return path;
    });

    /// <summary>A model trained on this repository's src/ folder (once per test run).</summary>
    public static string SrcModelPath => SrcModel.Value;

    public static string TempDir(string name)
    {
        var d = Path.Combine(Path.GetTempPath(), $"clsp-tests-{Environment.ProcessId}", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A small repository of generated C# files (for training in tests).</summary>
    public static string FixtureRepo(int files, string name = "repo")
    {
        var root = TempDir(name);
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
