using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Semantic.Tests;

/// <summary>
/// A small repository on disk (files given as text), a model trained on it, and an engine with the semantic
/// oracle attached. Tests are data: a fixture with a <c>$0</c> caret, checked through <see cref="Complete"/>.
/// </summary>
public sealed class FixtureRepo : IDisposable
{
    private readonly TempDir _dir = new("sem");

    public string Root => _dir.Path;
    public CompletionEngine Engine { get; }
    public SemanticWorkspace Workspace { get; }

    public const string Csproj = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <ImplicitUsings>enable</ImplicitUsings>
            <Nullable>enable</Nullable>
          </PropertyGroup>
        </Project>
        """;

    public FixtureRepo(params (string Path, string Text)[] files) : this(true, files) { }

    public FixtureRepo(bool train, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files) Write(path, text);
        // Budgets off: the tests check what the semantic model says, not how fast this machine is.
        Engine = new CompletionEngine(new EngineOptions { SemanticBudgetMs = 30_000, MemberCheckBudgetMs = 30_000 });
        if (train)
        {
            var bundle = Trainer.Train(new TrainOptions { Root = Root, AllFiles = true, MinCount = 1, TuneCache = false, Order = 4 });
            Engine.LoadModel(bundle);
        }
        Workspace = new SemanticWorkspace(Root);
        Engine.AttachSemantic(Workspace);
        Assert.True(Workspace.Loaded.Wait(TimeSpan.FromSeconds(60)), "the workspace did not load");
    }

    public void Write(string path, string text) => _dir.File(path, text);

    public void WriteBytes(string path, byte[] bytes) => _dir.Bytes(path, bytes);

    public string Uri(string path) => new Uri(Path.Combine(Root, path)).AbsoluteUri;

    /// <summary>Opens <paramref name="path"/> with the fixture's text (caret marker removed) and completes at the caret.</summary>
    public CompletionList Complete(string path, string fixture, int max = 20)
    {
        int at = fixture.IndexOf("$0", StringComparison.Ordinal);
        Assert.True(at >= 0, "fixture has no $0 caret");
        string text = fixture.Remove(at, 2);
        string uri = Uri(path);
        if (Engine.IsOpen(uri)) Engine.SetText(uri, text, 2); else Engine.Open(uri, text, 1);
        // The compilation warms up in the background; a test asks once it is ready (the product answers before, from the model).
        for (int i = 0; i < 600 && !Workspace.IsReady; i++) Thread.Sleep(100);
        Assert.True(Workspace.IsReady, "the semantic model did not get ready");
        return Engine.Complete(uri, at, max);
    }

    public static string[] Texts(CompletionList l) => l.Items.Select(i => i.Text).ToArray();

    public void Dispose()
    {
        Workspace.Dispose();
        _dir.Dispose();
    }
}
