using CompletionLsp.Core.Engine;
using Microsoft.CodeAnalysis;

namespace CompletionLsp.Semantic;

/// <summary>
/// Every public (or, in source, internal) top-level type of a compilation by name, with its namespace: the types a
/// file can use after adding a <c>using</c>. Built once per project in the background; names sorted for prefix search.
/// </summary>
internal sealed class UnimportedIndex
{
    private readonly (string Name, string Namespace, CandidateKind Kind, string? Id)[] _types;

    private UnimportedIndex((string, string, CandidateKind, string?)[] types) => _types = types;

    public int Count => _types.Length;

    public static UnimportedIndex Build(Compilation compilation, CancellationToken ct)
    {
        var list = new List<(string, string, CandidateKind, string?)>();
        var stack = new Stack<INamespaceSymbol>();
        stack.Push(compilation.GlobalNamespace);
        while (stack.Count > 0)
        {
            ct.ThrowIfCancellationRequested();
            var ns = stack.Pop();
            foreach (var m in ns.GetMembers())
            {
                if (m is INamespaceSymbol child) { stack.Push(child); continue; }
                if (m is not INamedTypeSymbol t || ns.IsGlobalNamespace || !t.CanBeReferencedByName) continue;
                bool inSource = SymbolEqualityComparer.Default.Equals(t.ContainingAssembly, compilation.Assembly);
                if (!(t.DeclaredAccessibility == Accessibility.Public || inSource && t.DeclaredAccessibility == Accessibility.Internal)) continue;
                if (CandidateFinder.ToCandidate(t, null, null) is not { } c) continue;
                list.Add((t.Name, ns.ToDisplayString(), c.Kind, c.SymbolId));
            }
        }
        list.Sort((a, b) => string.Compare(a.Item1, b.Item1, StringComparison.OrdinalIgnoreCase));
        return new UnimportedIndex(list.ToArray());
    }

    public bool Contains(string name)
    {
        int lo = 0, hi = _types.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (string.Compare(_types[mid].Name, name, StringComparison.OrdinalIgnoreCase) < 0) lo = mid + 1; else hi = mid;
        }
        for (int i = lo; i < _types.Length && string.Equals(_types[i].Name, name, StringComparison.OrdinalIgnoreCase); i++)
            if (_types[i].Name == name) return true;
        return false;
    }

    /// <summary>Types whose name starts with <paramref name="prefix"/> (case-insensitive) and is not already in scope.</summary>
    public IReadOnlyList<SemanticCandidate> Find(string prefix, HashSet<string> inScope, int max = 200)
    {
        var result = new List<SemanticCandidate>();
        if (prefix.Length == 0) return result;
        int lo = 0, hi = _types.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (string.Compare(_types[mid].Name, prefix, StringComparison.OrdinalIgnoreCase) < 0) lo = mid + 1; else hi = mid;
        }
        for (int i = lo; i < _types.Length && result.Count < max; i++)
        {
            var (name, ns, kind, id) = _types[i];
            if (!name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) break;
            if (inScope.Contains(name)) continue;
            result.Add(new SemanticCandidate(name, kind, $"{KindWord(kind)} {ns}.{name}", ns, id, 4));
        }
        return result;
    }

    private static string KindWord(CandidateKind k) => k switch
    {
        CandidateKind.Struct => "struct", CandidateKind.Interface => "interface", CandidateKind.Enum => "enum", CandidateKind.Delegate => "delegate", _ => "class",
    };
}
