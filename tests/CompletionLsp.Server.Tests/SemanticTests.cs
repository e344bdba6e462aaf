using System.Text.Json;
using CompletionLsp.Semantic;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;
using LspCompletionItem = CompletionLsp.Server.Protocol.CompletionItem;
using LspCompletionList = CompletionLsp.Server.Protocol.CompletionList;

namespace CompletionLsp.Server.Tests;

/// <summary>The server with Roslyn as its semantic oracle, on a small workspace folder written to disk.</summary>
public sealed class SemanticTests : IDisposable
{
    private readonly TempDir _dir = new("srv-sem");
    private string _root => _dir.Path;

    public SemanticTests()
    {
        Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
            </Project>
            """);
        Write("App/Tools/Frobnicator.cs", "namespace Acme.Tools;\n/// <summary>Frobnicates everything it is given.</summary>\npublic static class Frobnicator { public static int Run() => 1; }\n");
    }

    private void Write(string path, string text) => _dir.File(path, text);

    private string UriOf(string path) => new Uri(Path.Combine(_root, path)).AbsoluteUri;

    private static ServerOptions Semantic => new() { SemanticFactory = (root, log) => new SemanticWorkspace(root, null, log) };

    /// <summary>Opens the fixture and asks until the semantic model answers (it loads in the background).</summary>
    private static async Task<LspCompletionList> CompleteWhenReady(TestClient c, string uri, string fixture, Func<LspCompletionList, bool> ready)
    {
        var (text, caret) = LspFixture.Parse(fixture);
        await c.Open(uri, text);
        LspCompletionList list = new() { Items = [] };
        for (int i = 0; i < 1200; i++)
        {
            list = await c.Complete(uri, caret);
            Check.Invariants(list, text, caret);
            if (ready(list)) return list;
            await Task.Delay(100);
        }
        return list;
    }

    [Fact]
    public async Task After_a_StringBuilder_dot_the_list_holds_its_members_with_kinds_signatures_and_documentation()
    {
        await using var c = new TestClient(Semantic);
        await c.Initialize(new Uri(_root).AbsoluteUri);
        string uri = UriOf("App/Use.cs");
        var list = await CompleteWhenReady(c, uri, "using System.Text;\nclass Use { void M() { var builder = new StringBuilder(); builder.$0",
            l => l.Items.Any(i => i.LabelDetails?.Detail != null));
        var members = typeof(System.Text.StringBuilder).GetMembers().Select(m => m.Name).ToHashSet();
        Assert.NotEmpty(list.Items);
        Assert.All(list.Items, i => Assert.Contains(i.Label, members));
        var append = Assert.Single(list.Items, i => i.Label == "Append");
        Assert.Equal(CompletionItemKind.Method, append.Kind);
        Assert.StartsWith("(", append.LabelDetails!.Detail);
        Assert.EndsWith("%", append.LabelDetails.Description);
        var resolved = await c.Request<LspCompletionItem>(Methods.CompletionResolve, append);
        Assert.NotNull(resolved.Documentation);
        Assert.Contains("Append", resolved.Documentation!.Value);
    }

    [Fact]
    public async Task An_unimported_type_carries_its_using_edit_and_a_new_file_on_disk_is_seen()
    {
        await using var c = new TestClient(Semantic);
        await c.Initialize(new Uri(_root).AbsoluteUri);
        string uri = UriOf("App/Use.cs");
        var list = await CompleteWhenReady(c, uri, "using System.Text;\n\nclass Use { int M() => Frob$0", l => l.Items.Any(i => i.Label == "Frobnicator"));
        var item = Assert.Single(list.Items, i => i.Label == "Frobnicator");
        var edit = Assert.Single(item.AdditionalTextEdits!);
        Assert.Equal("using Acme.Tools;\n", edit.NewText);
        Assert.Equal(new Position { Line = 1, Character = 0 }, edit.Range.Start);

        // A file created on disk, reported by the client: its type is offered.
        Write("App/Gizmo.cs", "namespace Acme.Tools;\npublic sealed class GizmoFactory { }\n");
        await c.Notify(Methods.DidChangeWatchedFiles, new { changes = new[] { new { uri = UriOf("App/Gizmo.cs"), type = 1 } } });
        var (text, caret) = LspFixture.Parse("using Acme.Tools;\nclass Use { object M() => new Gizmo$0");
        await c.Change(uri, 2, new { text });
        LspCompletionList after = new() { Items = [] };
        for (int i = 0; i < 1200 && !after.Items.Any(x => x.Label == "GizmoFactory"); i++) { after = await c.Complete(uri, caret); await Task.Delay(50); }
        Assert.Contains(after.Items, x => x.Label == "GizmoFactory");
    }

    [Fact]
    public async Task The_semantic_enable_setting_turns_it_off()
    {
        await using var c = new TestClient(Semantic);
        await c.Initialize(new Uri(_root).AbsoluteUri, new { completionLsp = new { semantic = new { enable = false } } });
        var (text, caret) = LspFixture.Parse("using System.Text;\nclass Use { void M() { var builder = new StringBuilder(); builder.$0");
        string uri = UriOf("App/Use.cs");
        await c.Open(uri, text);
        await Task.Delay(1000);
        var list = await c.Complete(uri, caret);
        // Without a trained model and without the semantic model, only the open document's words: no StringBuilder member.
        Assert.DoesNotContain(list.Items, i => i.Label == "AppendLine");
        Assert.DoesNotContain(list.Items, i => i.Kind == CompletionItemKind.Method && i.LabelDetails?.Detail != null);

        await c.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { semantic = new { enable = true } } } });
        var on = await CompleteWhenReady(c, UriOf("App/Use2.cs"), "using System.Text;\nclass Use2 { void M() { var builder = new StringBuilder(); builder.$0",
            l => l.Items.Any(i => i.Label == "AppendLine"));
        Assert.Contains(on.Items, i => i.Label == "AppendLine");
    }

    public void Dispose() => _dir.Dispose();
}
