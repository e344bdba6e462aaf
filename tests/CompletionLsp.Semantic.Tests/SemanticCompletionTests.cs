using CompletionLsp.Core.Engine;
using CompletionLsp.Core.Syntax;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using static CompletionLsp.Semantic.Tests.FixtureRepo;

namespace CompletionLsp.Semantic.Tests;

/// <summary>Completion with Roslyn as the semantic oracle, on small repositories written to disk.</summary>
public class SemanticCompletionTests
{
    // A repository that appends lines to string builders far more often than anything else.
    private static readonly (string, string)[] BuilderRepo =
    [
        ("App/App.csproj", Csproj),
        ("App/Report.cs", """
            using System.Text;
            namespace App;
            public static class Report
            {
                public static string Render(string[] rows)
                {
                    var builder = new StringBuilder();
                    builder.AppendLine("header");
                    foreach (var row in rows) builder.AppendLine(row);
                    builder.AppendLine("footer");
                    builder.AppendLine();
                    builder.Append("total");
                    return builder.ToString();
                }
                public static string Line(string a) { var sb = new StringBuilder(); sb.AppendLine(a); sb.AppendLine(a); return sb.ToString(); }
            }
            """),
        ("App/Widget.cs", """
            namespace App;
            /// <summary>A thing with a frobnication depth.</summary>
            public sealed class Widget
            {
                /// <summary>How deep the widget frobnicates.</summary>
                public int FrobnicationDepth { get; set; }
                public void Frobnicate(int times) { }
            }
            """),
        ("App/Tools/Frobnicator.cs", """
            namespace Acme.Tools;
            public static class Frobnicator { public static int Run() => 1; }
            """),
    ];

    [Fact]
    public void After_a_StringBuilder_dot_only_its_members_are_listed_and_the_one_this_repo_uses_most_comes_first()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var list = repo.Complete("App/Use.cs", """
            using System.Text;
            namespace App;
            class Use { string M() { var builder = new StringBuilder(); builder.$0
            """);
        Assert.Equal(SemanticContext.Member, list.Semantic);
        Assert.Equal("AppendLine", list.Items[0].Text);
        var members = typeof(System.Text.StringBuilder).GetMembers().Select(m => m.Name).ToHashSet();
        Assert.All(list.Items, i => Assert.Contains(i.Text, members));
        Assert.DoesNotContain(list.Items, i => i.Kind == TokenKind.Punctuation);
        Assert.Equal(CandidateKind.Method, list.Items[0].Symbol!.Kind);
        Assert.Contains("StringBuilder", list.Items[0].Symbol!.Describe());
    }

    [Fact]
    public void A_member_the_training_never_saw_is_offered()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        Assert.False(repo.Engine.Model.Vocabulary.TryGetId("EnsureCapacity", out _));
        var list = repo.Complete("App/Use.cs", """
            using System.Text;
            namespace App;
            class Use { void M() { var builder = new StringBuilder(); builder.Ens$0
            """);
        Assert.Equal(["EnsureCapacity"], Texts(list));
        Assert.True(list.Items[0].Probability > 0);
        // Nothing typed: it is in the list too, below the names the model knows.
        var all = repo.Complete("App/Use.cs", """
            using System.Text;
            namespace App;
            class Use { void M() { var builder = new StringBuilder(); builder.$0
            """, max: 200);
        var texts = Texts(all);
        Assert.Contains("EnsureCapacity", texts);
        Assert.True(Array.IndexOf(texts, "AppendLine") < Array.IndexOf(texts, "EnsureCapacity"));
    }

    [Fact]
    public void A_type_from_another_file_of_the_repository_is_offered_with_its_members()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var types = repo.Complete("App/Use.cs", """
            namespace App;
            class Use { void M() { var w = new Wid$0
            """);
        Assert.Equal(SemanticContext.TypeOnly, types.Semantic);
        Assert.Equal("Widget", types.Items[0].Text);
        var members = repo.Complete("App/Use.cs", """
            namespace App;
            class Use { void M() { var w = new Widget(); w.$0
            """);
        Assert.Contains("FrobnicationDepth", Texts(members));
        Assert.Contains("Frobnicate", Texts(members));
        var depth = members.Items.First(i => i.Text == "FrobnicationDepth").Symbol!;
        Assert.Equal(CandidateKind.Property, depth.Kind);
        Assert.Contains("How deep the widget frobnicates.", repo.Workspace.Documentation(repo.Uri("App/Use.cs"), depth.SymbolId!));
    }

    [Fact]
    public void An_unimported_type_comes_with_its_using_directive()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var list = repo.Complete("App/Use.cs", """
            using System.Text;

            namespace App;
            class Use { int M() => Frob$0
            """);
        var item = Assert.Single(list.Items, i => i.Text == "Frobnicator");
        Assert.NotNull(item.Import);
        Assert.Equal("using Acme.Tools;\n", item.Import!.Text);
        Assert.Equal("using System.Text;\n".Length, item.Import.Offset);
    }

    [Fact]
    public async Task Members_of_a_package_type_come_from_the_assemblies_project_assets_json_names()
    {
        using var repo = new FixtureRepo(false, BuilderRepo);
        // A package on disk: a compiled assembly under a package folder, named by the assets file.
        var lib = CSharpCompilation.Create("Fixture.Client",
            [CSharpSyntaxTree.ParseText("namespace Fixture.Client { public class Connection { public void OpenChannel() { } public int RetryCount { get; set; } } }")],
            [MetadataReference.CreateFromFile(typeof(object).Assembly.Location)], new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var ms = new MemoryStream();
        Assert.True(lib.Emit(ms).Success);
        repo.WriteBytes("packages/fixture.client/1.0.0/lib/net10.0/Fixture.Client.dll", ms.ToArray());
        string folder = Path.Combine(repo.Root, "packages") + "/";
        repo.Write("Client/Client.csproj", Csproj.Replace("</Project>", "<ItemGroup><PackageReference Include=\"Fixture.Client\" Version=\"1.0.0\" /></ItemGroup></Project>"));
        repo.Write("Client/obj/project.assets.json", $$"""
            { "version": 4,
              "targets": { "net10.0": { "Fixture.Client/1.0.0": { "type": "package", "compile": { "lib/net10.0/Fixture.Client.dll": {} } },
                                        "Evil/1.0.0": { "type": "package", "compile": { "../../../../etc/evil.dll": {}, "/etc/passwd.dll": {} } } } },
              "libraries": { "Fixture.Client/1.0.0": { "path": "fixture.client/1.0.0" }, "Evil/1.0.0": { "path": "evil/1.0.0" } },
              "packageFolders": { "{{folder.Replace("\\", "\\\\")}}": {} } }
            """);
        using var ws = new SemanticWorkspace(repo.Root);
        repo.Engine.AttachSemantic(ws);
        await ws.Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        var list = repo.Complete("Client/Use.cs", """
            using Fixture.Client;
            class Use { void M() { var c = new Connection(); c.$0
            """);
        Assert.Equal(SemanticContext.Member, list.Semantic);
        Assert.Contains("OpenChannel", Texts(list));
        Assert.Contains("RetryCount", Texts(list));
        Assert.DoesNotContain(ws.Warnings, w => w.Contains("passwd"));
    }

    [Fact]
    public void When_the_receiver_does_not_bind_the_language_models_list_stays()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var list = repo.Complete("App/Use.cs", """
            namespace App;
            class Use { void M() { undefinedThing.$0
            """);
        Assert.Null(list.Semantic);
        Assert.NotEmpty(list.Items);
        Assert.DoesNotContain(list.Items, i => i.Kind == TokenKind.Punctuation);
    }

    [Fact]
    public void Statements_offer_locals_and_statement_keywords_and_no_names_of_other_scopes()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var list = repo.Complete("App/Use.cs", """
            namespace App;
            class Use
            {
                void Other() { int otherLocal = 1; }
                void M(int count)
                {
                    int total = count;
                    if (total > 1) { }
                    $0
            """, max: 400);
        var texts = Texts(list);
        Assert.Equal(SemanticContext.Scope, list.Semantic);
        Assert.Contains("total", texts);
        Assert.Contains("count", texts);
        Assert.Contains("else", texts);
        Assert.Contains("return", texts);
        Assert.DoesNotContain("otherLocal", texts);
        Assert.DoesNotContain("catch", texts);
        Assert.DoesNotContain(list.Items, i => i.Kind == TokenKind.Punctuation);
    }

    [Fact]
    public void An_argument_slot_prefers_the_fresh_name_of_the_parameters_type()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        const string fixture = """
            namespace App;
            class Use
            {
                static void Show(string text) { }
                void M(int count, string label)
                {
                    int twice = count * 2;
                    Show($0
            """;
        int Rank(CompletionList l, string name) => Array.IndexOf(Texts(l), name);
        var list = repo.Complete("App/Use.cs", fixture, max: 400);
        Assert.Equal(SemanticContext.Scope, list.Semantic);
        // 'label' is a string, as Show's parameter is, and not used yet; 'count' is an int the method already used.
        Assert.True(list.Items.Single(i => i.Text == "label").Symbol!.Fits);
        Assert.True(list.Items.Single(i => i.Text == "label").Symbol!.Fresh);
        Assert.True(Rank(list, "label") < Rank(list, "count"), string.Join(", ", Texts(list).Take(8)));
        // The language model alone ranks them the other way: the weights are what lift 'label'.
        repo.Engine.Options = repo.Engine.Options with { FitWeight = 1, FreshWeight = 1 };
        var plain = repo.Complete("App/Use.cs", fixture, max: 400);
        Assert.True(Rank(plain, "count") < Rank(plain, "label"), string.Join(", ", Texts(plain).Take(8)));
    }

    [Fact]
    public void A_local_weighted_up_keeps_a_probability_no_greater_than_one()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        // The document's own n-grams make "total" nearly certain after "; ": weighted up as a local, it once showed 200%+.
        var list = repo.Complete("App/Use.cs", """
            namespace App;
            class Use
            {
                void M(int count)
                {
                    int total = count;
                    total += count; total += count; total += count; total += count; total += count; total += count;
                    total += count; total += count; total += count; total += count; total += count; total += count;
                    $0
            """, max: 400);
        Assert.Equal(SemanticContext.Scope, list.Semantic);
        Assert.Equal("total", list.Items[0].Text);
        Assert.All(list.Items, i => Assert.InRange(i.Probability, 0, 1));
        Assert.InRange(list.Items.Sum(i => i.Probability), 0, 1 + 1e-9);
    }

    [Fact]
    public void In_a_class_body_only_types_and_member_keywords_are_offered()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var list = repo.Complete("App/Use.cs", """
            namespace App;
            class Use
            {
                private int _field;
                public $0
            """, max: 400);
        var texts = Texts(list);
        Assert.Equal(SemanticContext.TypeOnly, list.Semantic);
        Assert.Contains("static", texts);
        Assert.Contains("void", texts);
        Assert.Contains("Widget", texts);
        Assert.DoesNotContain("_field", texts);
        Assert.DoesNotContain("if", texts);
    }

    [Fact]
    public void Ghost_text_starts_with_a_legal_member()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        var uri = repo.Uri("App/Use.cs");
        const string text = "using System.Text;\nnamespace App;\nclass Use { void M() { var builder = new StringBuilder(); builder.";
        repo.Engine.Open(uri, text, 1);
        var lines = repo.Engine.CompleteLine(uri, text.Length, 3);
        Assert.NotEmpty(lines);
        var members = typeof(System.Text.StringBuilder).GetMembers().Select(m => m.Name).ToHashSet();
        Assert.All(lines, l => Assert.Contains(new string(l.Text.TakeWhile(char.IsLetterOrDigit).ToArray()), members));
    }

    [Fact]
    public void A_hostile_project_runs_nothing_and_brings_in_no_analyzer_or_generator()
    {
        string marker = Path.Combine(Path.GetTempPath(), "clsp-pwned-" + Guid.NewGuid().ToString("N"));
        string exec = $"<Exec Command=\"touch {marker}\" />";
        using var repo = new FixtureRepo(false,
            ("Evil/Evil.csproj", $"<Project Sdk=\"Microsoft.NET.Sdk\"><Target Name=\"E\" BeforeTargets=\"Restore;Build;CoreCompile\">{exec}</Target>" +
                "<PropertyGroup><TargetFramework>net10.0</TargetFramework><DefineConstants>$([System.IO.File]::WriteAllText('" + marker + "', 'x'))</DefineConstants></PropertyGroup>" +
                "<ItemGroup><Analyzer Include=\"gen.dll\" /><PackageReference Include=\"Evil.Generator\" Version=\"1.0.0\" OutputItemType=\"Analyzer\" /></ItemGroup>" +
                "<Import Project=\"evil.targets\" /></Project>"),
            ("Evil/evil.targets", $"<Project><Target Name=\"T\" AfterTargets=\"Build\">{exec}</Target></Project>"),
            ("Evil/Directory.Build.props", $"<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><Project><PropertyGroup><Nullable>&x;</Nullable></PropertyGroup></Project>"),
            ("Evil/Widget.cs", "namespace Evil;\npublic class Widget { public int Count; }\n"));
        var list = repo.Complete("Evil/Use.cs", "namespace Evil;\nclass Use { int M(Widget w) => w.$0");
        Assert.Equal(SemanticContext.Member, list.Semantic);
        Assert.Contains("Count", Texts(list));
        var doc = repo.Workspace.CurrentDocument(repo.Uri("Evil/Use.cs"))!;
        Assert.Empty(doc.Project.AnalyzerReferences);
        Assert.Empty(doc.Project.Solution.AnalyzerReferences);
        Assert.False(File.Exists(marker), "something in the workspace was executed");
    }

    [Fact]
    public void Ghost_text_ends_before_a_member_its_receiver_does_not_have()
    {
        // This repository calls ToUpperInvariant on a string Name; the document's Name is an int.
        var lines = string.Join("\n", Enumerable.Range(0, 30).Select(i => $"        var text{i} = widget.Name.ToUpperInvariant();"));
        using var repo = new FixtureRepo(
            ("App/App.csproj", Csproj),
            ("App/Widget.cs", "namespace App;\npublic sealed class Widget { public string Name { get; set; } = \"\"; }\n"),
            ("App/Uses.cs", "namespace App;\npublic static class Uses\n{\n    public static void M(Widget widget)\n    {\n" + lines + "\n    }\n}\n"));
        string uri = repo.Uri("App/Use.cs");
        const string legal = "namespace App;\npublic sealed class Gadget { public string Name { get; set; } = \"\"; }\nclass Use { void M(Gadget widget) {\n        var text = widget.";
        const string illegal = "namespace App;\npublic sealed class Gadget { public int Name { get; set; } }\nclass Use { void M(Gadget widget) {\n        var text = widget.";
        repo.Engine.Open(uri, legal, 1);
        for (int i = 0; i < 600 && !repo.Workspace.IsReady; i++) Thread.Sleep(100);
        var withString = repo.Engine.CompleteLine(uri, legal.Length, 1);
        Assert.Equal("Name.ToUpperInvariant();", Assert.Single(withString).Text);
        repo.Engine.SetText(uri, illegal, 2);
        var withInt = repo.Engine.CompleteLine(uri, illegal.Length, 1);
        Assert.Equal("Name", Assert.Single(withInt).Text);
    }

    [Fact]
    public void A_document_nested_too_deep_for_Roslyns_parser_never_reaches_it()
    {
        using var repo = new FixtureRepo(BuilderRepo);
        string uri = repo.Uri("App/Deep.cs");
        string deep = "class Deep { string s = " + string.Concat(Enumerable.Repeat("$\"{", 50_000)) + "\n";
        Assert.True(CompletionEngine.TooDeep(deep));
        repo.Engine.Open(uri, deep, 1);
        Assert.Null(repo.Workspace.CurrentDocument(uri));
        Assert.Null(repo.Engine.Complete(uri, 10, 10).Semantic);
        // Back to a sane text: the semantic model has it again.
        repo.Engine.SetText(uri, "using System.Text;\nclass Deep { void M() { var b = new StringBuilder(); b.", 2);
        Assert.NotNull(repo.Workspace.CurrentDocument(uri));
        var list = repo.Engine.Complete(uri, "using System.Text;\nclass Deep { void M() { var b = new StringBuilder(); b.".Length, 10);
        Assert.Equal(SemanticContext.Member, list.Semantic);
    }
}
