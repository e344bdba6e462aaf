using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Syntax;
using Parquet;
using Parquet.Schema;

namespace CompletionLsp.Sql;

/// <summary>One row of the token table: a token of a training file, or one of the two rows that frame each file
/// (text "&lt;s&gt;" at position 0 and "&lt;/s&gt;" after the last token, kind <see cref="TokenKind.Special"/>).</summary>
/// <param name="File">The file's number, 0.. in the order training reads the files.</param>
/// <param name="Pos">The position in the framed file: 0 is &lt;s&gt;, 1.. the tokens, the last &lt;/s&gt;.</param>
/// <param name="Len16">The text's length in UTF-16 units (the vocabulary's literal length rule counts those).</param>
/// <param name="Gap">What separated the token from the one before: 0 nothing, 1 a space, 2 a line break.</param>
/// <param name="HeldOut">The file is in the validation tenth of the training files (the cache is tuned on those).</param>
public readonly record struct TokenRow(int File, int Pos, string Text, LiteralClass Class, TokenKind Kind, int Len16, bool HasNewline, byte Gap, bool HeldOut);

/// <summary>What a token table holds.</summary>
public sealed record TokenTableInfo(int Files, int HeldOutFiles, long Tokens, long Rows);

/// <summary>
/// The training files' tokens as a Parquet table, one row per token and per framing row, for counting with SQL (DuckDB
/// here, Spark on a cluster: see sql/*.sql). Columns: file INT, pos INT, text STRING, literal_class INT (a
/// <see cref="LiteralClass"/>), kind INT (a <see cref="TokenKind"/>), len16 INT, has_newline BOOLEAN, gap INT,
/// held_out BOOLEAN. Rows come in (file, pos) order, in row groups of 131,072 (the writer holds one).
/// </summary>
public static class TokenTableParquet
{
    public const string SourceRootsKey = "completion-lsp.source_roots";
    private const int RowGroupRows = 1 << 17;

    private static readonly DataField<int> FileField = new("file");
    private static readonly DataField<int> PosField = new("pos");
    private static readonly DataField<string> TextField = new("text", nullable: false);
    private static readonly DataField<int> ClassField = new("literal_class");
    private static readonly DataField<int> KindField = new("kind");
    private static readonly DataField<int> Len16Field = new("len16");
    private static readonly DataField<bool> NewlineField = new("has_newline");
    private static readonly DataField<int> GapField = new("gap");
    private static readonly DataField<bool> HeldOutField = new("held_out");
    private static readonly ParquetSchema Schema = new(FileField, PosField, TextField, ClassField, KindField, Len16Field, NewlineField, GapField, HeldOutField);

    public const string Bos = "<s>", Eos = "</s>";

    /// <summary>Writes <paramref name="files"/> to <paramref name="path"/> (through a temporary file beside it).</summary>
    /// <exception cref="IOException">A token's text is not valid UTF-16 (a lone surrogate): Parquet keeps UTF-8.</exception>
    /// <param name="sourceRoots">Kept in the file's metadata (what `import-counts` says the model was trained on).</param>
    public static TokenTableInfo Write(string path, IEnumerable<TokenizedFile> files, IReadOnlyList<string>? sourceRoots = null, CancellationToken ct = default) =>
        Write(path, files, sourceRoots, RowGroupRows, ct);

    internal static TokenTableInfo Write(string path, IEnumerable<TokenizedFile> files, IReadOnlyList<string>? sourceRoots, int rowGroupRows, CancellationToken ct)
    {
        var full = Path.GetFullPath(path);
        var tmp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            TokenTableInfo info;
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 20))
                info = WriteAsync(fs, files, sourceRoots ?? [], rowGroupRows, ct).GetAwaiter().GetResult();
            File.Move(tmp, full, overwrite: true);
            return info;
        }
        finally { try { File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }

    private static async Task<TokenTableInfo> WriteAsync(Stream output, IEnumerable<TokenizedFile> files, IReadOnlyList<string> sourceRoots, int rowGroupRows, CancellationToken ct)
    {
        var buf = new Buffer(rowGroupRows);
        int fileNo = 0, heldOutFiles = 0;
        long tokens = 0, rows = 0;
        await using (var writer = await ParquetWriter.CreateAsync(Schema, output, new ParquetOptions { CompressionMethod = CompressionMethod.Snappy }, cancellationToken: ct))
        {
            writer.CustomMetadata = new Dictionary<string, string> { [SourceRootsKey] = System.Text.Json.JsonSerializer.Serialize(sourceRoots) };
            async Task Add(TokenRow r)
            {
                buf.Add(r);
                rows++;
                if (buf.Count == rowGroupRows) await Flush(writer, buf, ct);
            }
            foreach (var f in files)
            {
                ct.ThrowIfCancellationRequested();
                bool heldOut = Split.IsValidation(f.RelativePath);
                if (heldOut) heldOutFiles++;
                await Add(new TokenRow(fileNo, 0, Bos, LiteralClass.None, TokenKind.Special, Bos.Length, false, 0, heldOut));
                for (int i = 0; i < f.Tokens.Length; i++)
                {
                    var t = f.Tokens[i];
                    if (HasLoneSurrogate(t.Text))
                        throw new IOException($"{f.RelativePath}: a token holds a lone UTF-16 surrogate, which the token table's UTF-8 text cannot keep (two such spellings would become one); train it with --engine memory");
                    await Add(new TokenRow(fileNo, i + 1, t.Text, t.Class, t.Kind, t.Text.Length, t.Text.Contains('\n'), f.Gaps[i], heldOut));
                }
                await Add(new TokenRow(fileNo, f.Tokens.Length + 1, Eos, LiteralClass.None, TokenKind.Special, Eos.Length, false, 0, heldOut));
                tokens += f.Tokens.Length;
                fileNo++;
            }
            if (buf.Count > 0) await Flush(writer, buf, ct);
        }
        return new TokenTableInfo(fileNo, heldOutFiles, tokens, rows);
    }

    private static async Task Flush(ParquetWriter writer, Buffer b, CancellationToken ct)
    {
        int n = b.Count;
        using (var rg = writer.CreateRowGroup())
        {
            await rg.WriteAsync(FileField, Rows(b.File, n), cancellationToken: ct);
            await rg.WriteAsync(PosField, Rows(b.Pos, n), cancellationToken: ct);
            await rg.WriteAsync(TextField, new ArraySegment<string>(b.Text!, 0, n));
            await rg.WriteAsync(ClassField, Rows(b.Class, n), cancellationToken: ct);
            await rg.WriteAsync(KindField, Rows(b.Kind, n), cancellationToken: ct);
            await rg.WriteAsync(Len16Field, Rows(b.Len16, n), cancellationToken: ct);
            await rg.WriteAsync(NewlineField, Rows(b.Newline, n), cancellationToken: ct);
            await rg.WriteAsync(GapField, Rows(b.Gap, n), cancellationToken: ct);
            await rg.WriteAsync(HeldOutField, Rows(b.HeldOut, n), cancellationToken: ct);
            rg.CompleteValidate();
        }
        Array.Clear(b.Text, 0, n);
        b.Count = 0;
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c < '\uD800' || c > '\uDFFF') continue;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            return true;
        }
        return false;
    }

    private static ReadOnlyMemory<T> Rows<T>(T[] a, int n) where T : struct => new(a, 0, n);

    /// <summary>Reads a token table back, row by row (for tests and tools; counting reads it with SQL).</summary>
    /// <exception cref="InvalidDataException">The file lacks a column of the token table.</exception>
    public static IEnumerable<TokenRow> Read(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var reader = ParquetReader.CreateAsync(fs, leaveStreamOpen: true).GetAwaiter().GetResult();
        try
        {
            var names = reader.Schema.DataFields.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var f in Schema.DataFields)
                if (!names.Contains(f.Name)) throw new InvalidDataException($"{path}: not a token table (no column {f.Name})");
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                var b = ReadGroupAsync(reader, g).GetAwaiter().GetResult();
                for (int i = 0; i < b.Count; i++)
                    yield return new TokenRow(b.File[i], b.Pos[i], b.Text[i] ?? "", (LiteralClass)b.Class[i], (TokenKind)b.Kind[i], b.Len16[i], b.Newline[i], (byte)b.Gap[i], b.HeldOut[i]);
            }
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    /// <summary>The source roots kept in a token table's metadata (empty when none were).</summary>
    public static string[] SourceRoots(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var reader = ParquetReader.CreateAsync(fs, leaveStreamOpen: true).GetAwaiter().GetResult();
        try
        {
            return reader.CustomMetadata.TryGetValue(SourceRootsKey, out var json)
                ? System.Text.Json.JsonSerializer.Deserialize<string[]>(json) ?? [] : [];
        }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static async Task<Buffer> ReadGroupAsync(ParquetReader reader, int g)
    {
        using var rg = reader.OpenRowGroupReader(g);
        int n = checked((int)rg.RowCount);
        var b = new Buffer(n) { Count = n };
        DataField F(DataField f) => reader.Schema.FindDataField(f.Name);
        await rg.ReadAsync(F(FileField), b.File.AsMemory());
        await rg.ReadAsync(F(PosField), b.Pos.AsMemory());
        await rg.ReadAsync(F(TextField), b.Text.AsMemory());
        await rg.ReadAsync(F(ClassField), b.Class.AsMemory());
        await rg.ReadAsync(F(KindField), b.Kind.AsMemory());
        await rg.ReadAsync(F(Len16Field), b.Len16.AsMemory());
        await rg.ReadAsync(F(NewlineField), b.Newline.AsMemory());
        await rg.ReadAsync(F(GapField), b.Gap.AsMemory());
        await rg.ReadAsync(F(HeldOutField), b.HeldOut.AsMemory());
        return b;
    }

    private sealed class Buffer(int capacity)
    {
        public int Count;
        public readonly int[] File = new int[capacity], Pos = new int[capacity], Class = new int[capacity], Kind = new int[capacity], Len16 = new int[capacity], Gap = new int[capacity];
        public readonly string?[] Text = new string?[capacity];
        public readonly bool[] Newline = new bool[capacity], HeldOut = new bool[capacity];

        public void Add(in TokenRow r)
        {
            int i = Count++;
            File[i] = r.File; Pos[i] = r.Pos; Text[i] = r.Text; Class[i] = (int)r.Class; Kind[i] = (int)r.Kind;
            Len16[i] = r.Len16; Newline[i] = r.HasNewline; Gap[i] = r.Gap; HeldOut[i] = r.HeldOut;
        }
    }
}
