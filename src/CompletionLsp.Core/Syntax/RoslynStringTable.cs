using System.Reflection;
using Microsoft.CodeAnalysis;

namespace CompletionLsp.Core.Syntax;

/// <summary>
/// Bounds the memory that Roslyn's lexer keeps after lexing. The lexer interns the text of every token (and a literal's
/// value) in Roslyn.Utilities.StringTable: a process-wide table of 65,536 strings plus a 2,048-string table in each
/// pooled lexer, whatever the strings' lengths, never emptied. A language server re-lexes an unterminated string
/// literal that runs to the end of the document on every keystroke, each time a new string as long as the rest of the
/// file: the tables would keep up to 65,536 of them (found by the edit soak: the managed heap grew without bound). The
/// tables are only caches, so after every <see cref="ClearAfterChars"/> characters of long tokens they are cleared.
/// Reflection on Roslyn's internals: if a Roslyn update renames them, <see cref="Available"/> is false (a test checks
/// it) and nothing is cleared.
/// </summary>
public static class RoslynStringTable
{
    /// <summary>Tokens this long or longer count towards clearing (shorter ones are worth caching).</summary>
    public const int LongToken = 256;
    /// <summary>Characters of long tokens lexed between two clearings (about 4 MiB of strings kept at most).</summary>
    public const long ClearAfterChars = 1 << 20;

    private const BindingFlags Any = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance;
    private static readonly Accessors? Fields = Find();
    private static long _longChars;

    /// <summary>True when Roslyn's tables were found (and so can be cleared).</summary>
    public static bool Available => Fields != null;

    /// <summary>Notes a lexed token's length; clears the tables once enough long tokens have been lexed.</summary>
    public static void Note(int tokenLength)
    {
        if (tokenLength < LongToken || Fields == null) return;
        if (Interlocked.Add(ref _longChars, tokenLength) >= ClearAfterChars) Clear();
    }

    private static readonly FieldInfo[] TokenCaches = FindTokenCaches();

    /// <summary>Roslyn's process-wide caches of lexed tokens and trivia by text (TextKeyedCache's shared tables, 65,536
    /// entries each, never emptied: after a document with many distinct names they hold megabytes of them) and of
    /// green nodes. Empty if a Roslyn update renamed them.</summary>
    private static FieldInfo[] FindTokenCaches()
    {
        var found = new List<FieldInfo>();
        try
        {
            var lexerCache = typeof(Microsoft.CodeAnalysis.CSharp.SyntaxFactory).Assembly.GetType("Microsoft.CodeAnalysis.CSharp.Syntax.InternalSyntax.LexerCache");
            foreach (var name in new[] { "_tokenMap", "_triviaMap" })
                if (lexerCache?.GetField(name, Any)?.FieldType.GetField("s_sharedTable", Any) is { IsStatic: true } f) found.Add(f);
            if (typeof(SyntaxNode).Assembly.GetType("Microsoft.CodeAnalysis.Syntax.InternalSyntax.SyntaxNodeCache")?.GetField("s_cache", Any) is { IsStatic: true } n) found.Add(n);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException) { }
        return found.ToArray();
    }

    /// <summary>Also empties Roslyn's shared token and node caches (safe at any time: caches whose readers treat an
    /// empty entry as a miss). For when a large document has gone.</summary>
    public static void ClearAll()
    {
        Clear();
        foreach (var f in TokenCaches)
        {
            try { if (f.GetValue(null) is Array a) Array.Clear(a); }
            catch (Exception e) when (e is TargetException or ArgumentException or FieldAccessException) { }
        }
    }

    /// <summary>How many of Roslyn's token caches were found (a test checks they still are).</summary>
    public static int TokenCachesFound => TokenCaches.Length;

    /// <summary>Empties the shared table and the tables of the pooled lexers (safe at any time: they are caches).</summary>
    public static void Clear()
    {
        Interlocked.Exchange(ref _longChars, 0);
        var f = Fields;
        if (f == null) return;
        try
        {
            if (f.SharedItems.GetValue(f.SharedTable.GetValue(null)) is Array segments)
                foreach (var segment in segments)
                    if (segment is Array a) Array.Clear(a);
            var pool = f.Pool.GetValue(null);
            if (pool == null) return;
            ClearLocal(f.PoolFirst.GetValue(pool), f);
            if (f.PoolItems.GetValue(pool) is Array elements)
                foreach (var element in elements)
                    if (element != null) ClearLocal(f.ElementValue.GetValue(element), f);
        }
        catch (Exception e) when (e is TargetException or ArgumentException or InvalidCastException or FieldAccessException) { }
    }

    private static void ClearLocal(object? table, Accessors f)
    {
        if (table != null && f.LocalTable.GetValue(table) is Array a) Array.Clear(a);
    }

    private sealed record Accessors(FieldInfo SharedTable, FieldInfo SharedItems, FieldInfo Pool, FieldInfo PoolFirst, FieldInfo PoolItems,
        FieldInfo ElementValue, FieldInfo LocalTable);

    private static Accessors? Find()
    {
        try
        {
            var table = typeof(SyntaxNode).Assembly.GetType("Roslyn.Utilities.StringTable");
            var shared = table?.GetField("s_sharedTable", Any);
            var sharedItems = shared?.FieldType.GetField("_items", Any);
            var pool = table?.GetField("s_staticPool", Any);
            var first = pool?.FieldType.GetField("_firstItem", Any);
            var items = pool?.FieldType.GetField("_items", Any);
            var value = items?.FieldType.GetElementType()?.GetField("Value", Any);
            var local = table?.GetField("_localTable", Any);
            if (shared == null || sharedItems == null || pool == null || first == null || items == null || value == null || local == null) return null;
            return new Accessors(shared, sharedItems, pool, first, items, value, local);
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException or FileLoadException or BadImageFormatException) { return null; }
    }
}
