using CompletionLsp.Core.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CompletionLsp.Semantic.Tests;

/// <summary>The legal candidates at a caret, straight from a compilation of the fixture (the text ends at the caret,
/// as where the user types; "$0" marks it).</summary>
public class CandidateFinderTests
{
    private static SemanticCandidates? Find(string fixture)
    {
        int at = fixture.IndexOf("$0", StringComparison.Ordinal);
        var text = fixture.Remove(at, 2);
        // The engine asks at the start of the word being typed.
        while (at > 0 && (char.IsLetterOrDigit(text[at - 1]) || text[at - 1] == '_')) at--;
        var tree = CSharpSyntaxTree.ParseText(text);
        var refs = Projects.References.FrameworkAssemblies("Microsoft.NETCore.App", "net10.0").Select(p => MetadataReference.CreateFromFile(p));
        var comp = CSharpCompilation.Create("fixture", [tree], refs);
        return CandidateFinder.Find(comp.GetSemanticModel(tree), at, default);
    }

    private static string[] Names(SemanticCandidates? c) => c?.Items.Select(i => i.Name).ToArray() ?? [];

    /// <summary>The names whose value fits the type expected at the caret, and some that must not.</summary>
    [Theory]
    [InlineData("class C { void Take(string s, int n) { } void M(int count, string name) { Take($0", "name", "count")]
    [InlineData("class C { void Take(string s, int n) { } void M(int count, string name) { Take(name, $0", "count", "name")]
    [InlineData("class C { void M(int count, string name) { string s = $0", "name", "count")]
    [InlineData("class C { void M(int count, string name) { bool b = false; b = $0", "b", "name")]
    [InlineData("class C { string M(int count, string name) { return $0", "name", "count")]
    [InlineData("class C { string Name; int Count; int Size => $0", "Count", "Name")]
    [InlineData("class C { bool IsOk(int n) => true; void M(int count, bool flag) { if ($0", "flag", "count")]
    [InlineData("class C { void M(int count, bool flag) { if (flag && $0", "flag", "count")]
    [InlineData("class C { async System.Threading.Tasks.Task<string> M(int count, string name) { return $0", "name", "count")]
    [InlineData("enum E { A } class C { void Take(E e) { } void M(int count) { Take($0", "E", "count")]
    [InlineData("class C { void M(string name, int count) { if (name.$0", "StartsWith", "Length")]
    [InlineData("using System; class C { void M() { Exception e = new $0", "ArgumentException", "Random")]
    [InlineData("using System; class C { void M() { throw new $0", "InvalidOperationException", "Random")]
    [InlineData("using System; using System.IO; class C { Stream M() { return new $0", "MemoryStream", "Random")]
    [InlineData("using System; using System.Collections.Generic; class C { List<int> M() { return new $0", "List", "Random")]
    public void Names_that_fit_the_expected_type_are_marked(string fixture, string fits, string doesNot)
    {
        var items = Find(fixture)!.Items;
        Assert.True(items.Single(i => i.Name == fits).Fits, fits);
        Assert.False(items.Single(i => i.Name == doesNot).Fits, doesNot);
    }

    /// <summary>Locals and parameters declared and not used since: the names the code just introduced.</summary>
    [Theory]
    [InlineData("class C { void M(int used, int unused) { used++; var x = 1;\n $0", "x", "used")]
    [InlineData("class C { void M(int used, int unused) { used++; var x = 1;\n $0", "unused", "used")]
    [InlineData("class C { void M(int a) { var x = a; x++; var y = 2;\n $0", "y", "x")]
    [InlineData("class C { void M(string s) { if (s is string t) { $0", "t", "s")]
    public void Fresh_names_are_marked(string fixture, string fresh, string used)
    {
        var items = Find(fixture)!.Items;
        Assert.True(items.Single(i => i.Name == fresh).Fresh, fresh);
        Assert.False(items.Single(i => i.Name == used).Fresh, used);
    }

    [Theory]
    [InlineData("class C { void M(int reader) { Foo(1, $0", "reader")]
    [InlineData("class C { void M(int reader) {$0", "reader")]
    [InlineData("class C { void M(int reader) { int x = 1;\n $0", "x")]
    [InlineData("class C { void M(int reader) { foreach (var q in new int[0]) {$0", "q")]
    [InlineData("class C { int _f; void M() { var s = \"\"; s.Length.CompareTo(_$0", "_f")]
    public void Locals_and_parameters_are_in_scope_at_the_end_of_the_text(string fixture, string name)
    {
        var c = Find(fixture);
        Assert.Equal(SemanticContext.Scope, c!.Context);
        Assert.Contains(name, Names(c));
    }

    [Theory]
    [InlineData("class C { void M() { if (true) { }\n $0", "else", "catch")]
    [InlineData("class C { void M() { try { }\n $0", "catch", "else")]
    [InlineData("class C { void M(int x) { switch (x) { $0", "case", "catch")]
    [InlineData("class C { void M() { int a = 1;\n $0", "return", "case")]
    public void Statement_keywords_follow_what_came_before(string fixture, string present, string absent)
    {
        var c = Find(fixture);
        Assert.Contains(present, c!.Keywords);
        Assert.DoesNotContain(absent, c.Keywords);
    }

    [Theory]
    [InlineData("class C { void M() { var s = \"\"; s.$0", "Length", "Finalize")]
    [InlineData("enum E { A, B } class C { void M() { var e = E.$0", "A", "ReferenceEquals")]
    [InlineData("using System.$0", "Collections", "Console")]
    [InlineData("class C { void M() { System.Console.$0", "WriteLine", "Write2")]
    [InlineData("class C { void M(string? s) { var n = s?.$0", "Length", "Parse")]
    public void Members_of_the_receiver(string fixture, string present, string absent)
    {
        var c = Find(fixture);
        Assert.Equal(SemanticContext.Member, c!.Context);
        Assert.Contains(present, Names(c));
        Assert.DoesNotContain(absent, Names(c));
    }

    [Theory]
    [InlineData("class C { void M() { int $0")]
    [InlineData("class C { void M() { var $0")]
    [InlineData("class C { void M(object o) { if (o is string $0")]
    [InlineData("class $0")]
    [InlineData("class C { public System.Text.StringBuilder $0")]
    public void A_declared_name_may_be_anything(string fixture) => Assert.Equal(SemanticContext.NewName, Find(fixture)!.Context);

    [Theory]
    [InlineData("class C { void M() { var x = new $0", "StringBuilder")]
    [InlineData("class C : $0", "IDisposable")]
    [InlineData("class C { void M(System.Collections.Generic.List<$0", "String")]
    [InlineData("[$0", "Obsolete")]
    public void Only_types_where_only_a_type_can_stand(string fixture, string type)
    {
        var c = Find("using System; using System.Text; " + fixture);
        Assert.Equal(SemanticContext.TypeOnly, c!.Context);
        Assert.Contains(type, Names(c));
        Assert.DoesNotContain(c.Items, i => i.Kind is CandidateKind.Local or CandidateKind.Method or CandidateKind.Field);
    }

    [Fact]
    public void Named_arguments_and_object_initializer_members_are_legal()
    {
        Assert.Contains("value", Names(Find("class C { void M() { var b = new System.Text.StringBuilder(); b.Append(1).Append($0")));
        Assert.Contains("capacity", Names(Find("class C { void M() { var b = new System.Text.StringBuilder($0")));
        Assert.Contains("Name", Names(Find("class P { public string Name { get; set; } } class C { void M() { var p = new P { $0")));
    }

    [Fact]
    public void Inside_an_inactive_branch_nothing_can_be_told() => Assert.Null(Find("class C { void M() {\n#if NEVER\n var s = \"\"; s.$0"));
}
