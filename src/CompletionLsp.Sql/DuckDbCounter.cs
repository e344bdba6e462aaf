using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Models.Counting;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;
using DuckDB.NET.Data;

namespace CompletionLsp.Sql;

/// <summary>How the SQL engine counts: the vocabulary's rules (as <see cref="TokenTable.ToVocabulary"/>'s), the order,
/// and DuckDB's budget.</summary>
public sealed record SqlCountOptions
{
    public int Order { get; init; } = 6;
    public int MinCount { get; init; } = 2;
    public int LiteralMinCount { get; init; } = 3;
    public int MaxLiteralLength { get; init; } = 24;
    /// <summary>DuckDB's memory_limit: beyond it, its sorts, joins and windows spill to <see cref="TempDir"/>.</summary>
    public long MemoryBytes { get; init; } = NGramSorter.DefaultMemoryBytes;
    /// <summary>Where the temporary database and DuckDB's spill files go; default the system's temporary folder.</summary>
    public string? TempDir { get; init; }
    public int Threads { get; init; } = Environment.ProcessorCount;
}

/// <summary>What the statements counted: the vocabulary, the count trie, and (unless left out) the spacing pairs.</summary>
public sealed record SqlCounts(Vocabulary Vocabulary, NGramCounts Counts, SpacingCounter? Spacing, long Records);

/// <summary>What a counts folder (the Spark job's output, or <see cref="DuckDbCounter.WriteCounts"/>') was counted from:
/// counts.json beside vocabulary/, records/ and spacing/.</summary>
public sealed record CountsInfo
{
    [JsonPropertyName("order")] public int Order { get; init; }
    [JsonPropertyName("min_count")] public int MinCount { get; init; }
    [JsonPropertyName("files")] public int Files { get; init; }
    [JsonPropertyName("tokens")] public long Tokens { get; init; }
    [JsonPropertyName("source_roots")] public string[] SourceRoots { get; init; } = [];
}

/// <summary>
/// N-gram counting as SQL (sql/*.sql) over the Parquet token table (<see cref="TokenTableParquet"/>), run by DuckDB in
/// this process: a temporary database in a fresh folder, memory_limit from the budget, spilling to a temp_directory
/// there, one thread per processor, no extensions loaded or installed and no file outside the inputs and that folder
/// reachable (enable_external_access off, allowed_paths/allowed_directories, the configuration locked).
/// <para>The vocabulary, every count and the spacing equal the in-memory engine's (<see cref="Trainer.Train"/>) to the
/// bit: the statements implement the same rules, and the records reach the same <see cref="TrieBuilder"/> in the
/// same order.</para>
/// </summary>
public static class DuckDbCounter
{
    private const int MaxValidationFiles = 100; // as Trainer: the cache is tuned on the first 100 held-out files

    /// <summary>
    /// Trains like <see cref="Trainer.Train"/>, counting with SQL: the files are tokenized once into a token table
    /// (Parquet, in the temporary folder); with <see cref="TrainOptions.TuneCache"/>, the model of the files not held out
    /// is counted first (the same statements with the held-out rows not counted) and the cache tuned on the first 100
    /// held-out files, exactly as Trainer does; then everything is counted. <see cref="TrainOptions.MemoryBytes"/> is
    /// DuckDB's memory limit.
    /// </summary>
    public static ModelBundle Train(TrainOptions options, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        var sqlOptions = new SqlCountOptions { Order = options.Order, MinCount = options.MinCount, MemoryBytes = options.MemoryBytes, TempDir = options.TempDir };
        using var work = new WorkFolder(options.TempDir);
        var table = Path.Combine(work.Path, "tokens.parquet");
        var skipped = new List<SkippedFile>();
        var validation = new List<TokenizedFile>();
        progress?.Report(new(TrainStage.Walking, 0, 0, 0, sw.Elapsed));
        long before = 0, done = 0;
        var read = progress == null ? null : new InlineProgress<ReadProgress>(p =>
        {
            if (p.FilesDone == 0) before = done;
            done = before + p.TokensDone;
            progress.Report(new(TrainStage.Tokenizing, p.FilesDone, p.FilesTotal, done, sw.Elapsed));
        });
        IEnumerable<TokenizedFile> Collect(IEnumerable<TokenizedFile> files)
        {
            foreach (var f in files)
            {
                if (validation.Count < MaxValidationFiles && Split.IsValidation(f.RelativePath)) validation.Add(f);
                yield return f;
            }
        }
        var roots = options.Roots.Select(Path.GetFullPath).ToArray();
        var info = TokenTableParquet.Write(table, Collect(Trainer.TrainingFiles(options, skipped, read, ct)), roots, ct);
        options.Skipped?.AddRange(skipped);
        if (info.Tokens == 0)
            throw new NoTrainingDataException($"nothing to train on: the .cs files under {string.Join(", ", roots)} hold no tokens (or none is in the training split: see --all-files); the existing model is kept");

        var ngram = new NGramOptions(options.Order, options.Smoothing, options.Delta);
        var cache = CacheOptions.Default;
        using var db = new DuckSession(work.Path, sqlOptions, [table], [], ct);
        if (options.TuneCache && validation.Count >= 3 && info.Files - info.HeldOutFiles >= 10)
        {
            progress?.Report(new(TrainStage.Tuning, info.Files, info.Files, info.Tokens, sw.Elapsed));
            var restCounts = db.Count(table, sqlOptions, excludeHeldOut: true, spacing: false);
            var rest = new NGramModel(restCounts.Vocabulary, restCounts.Counts, ngram);
            cache = CacheTuner.Tune(rest, CacheOptions.Default, validation, ct: ct);
        }
        validation.Clear();
        progress?.Report(new(TrainStage.Counting, info.Files, info.Files, info.Tokens, sw.Elapsed));
        var counts = db.Count(table, sqlOptions, excludeHeldOut: false, spacing: true);
        var model = new NGramModel(counts.Vocabulary, counts.Counts, ngram);
        progress?.Report(new(TrainStage.Done, info.Files, info.Files, info.Tokens, sw.Elapsed));
        return new ModelBundle
        {
            Vocabulary = counts.Vocabulary,
            NGram = model,
            Cache = cache,
            Spacing = counts.Spacing!.Build(counts.Vocabulary),
            Info = options.Info(info.Files, skipped.Count, info.Tokens, sw.Elapsed),
        };
    }

    /// <summary>Counts a token table: the vocabulary, the trie and (with <paramref name="spacing"/>) the spacing pairs.
    /// With <paramref name="excludeHeldOut"/>, the rows of held-out files are not counted (the model that tunes the cache).</summary>
    public static SqlCounts Count(string tokenTable, SqlCountOptions options, bool excludeHeldOut = false, bool spacing = true, CancellationToken ct = default)
    {
        using var work = new WorkFolder(options.TempDir);
        using var db = new DuckSession(work.Path, options, [tokenTable], [], ct);
        return db.Count(tokenTable, options, excludeHeldOut, spacing);
    }

    /// <summary>
    /// Writes what the Spark job (scripts/spark/ngram_counts.py) writes, with the same statements: vocabulary/, records/
    /// and spacing/ as Parquet, and counts.json. `import-counts` makes a model of either.
    /// </summary>
    public static CountsInfo WriteCounts(string tokenTable, string outDir, SqlCountOptions options, CancellationToken ct = default)
    {
        outDir = Path.GetFullPath(outDir);
        foreach (var part in new[] { "vocabulary", "records", "spacing" })
        {
            var d = Path.Combine(outDir, part);
            if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
            Directory.CreateDirectory(d);
        }
        using var work = new WorkFolder(options.TempDir);
        using var db = new DuckSession(work.Path, options, [tokenTable], [outDir], ct);
        var p = db.Parameters(tokenTable, options, excludeHeldOut: false);
        db.Create("vocabulary", SqlStatements.Bind("vocabulary", p));
        db.Create("ids", SqlStatements.Bind("ids", p));
        db.Execute($"COPY vocabulary TO {Quote(Path.Combine(outDir, "vocabulary", "part-0.parquet"))} (FORMAT parquet)");
        db.Execute($"COPY ({SqlStatements.Bind("ngrams", p)}) TO {Quote(Path.Combine(outDir, "records", "part-0.parquet"))} (FORMAT parquet)");
        db.Execute($"COPY ({SqlStatements.Bind("spacing", p)}) TO {Quote(Path.Combine(outDir, "spacing", "part-0.parquet"))} (FORMAT parquet)");
        long files = db.Scalar("SELECT count(DISTINCT file) FROM ids");
        long rows = db.Scalar("SELECT count(*) FROM ids");
        var info = new CountsInfo
        {
            Order = options.Order,
            MinCount = options.MinCount,
            Files = checked((int)files),
            Tokens = rows - 2 * files,
            SourceRoots = TokenTableParquet.SourceRoots(tokenTable),
        };
        File.WriteAllText(Path.Combine(outDir, "counts.json"), JsonSerializer.Serialize(info, new JsonSerializerOptions { WriteIndented = true }));
        return info;
    }

    /// <summary>
    /// A model of a counts folder (the Spark job's output, or <see cref="WriteCounts"/>'): the vocabulary in its ids,
    /// the records sorted by DuckDB into the trie, the spacing pairs. The cache keeps its default concentrations (tuning
    /// needs held-out text), as after `merge`.
    /// </summary>
    /// <exception cref="InvalidDataException">The folder lacks a part, or its parts do not fit together.</exception>
    public static ModelBundle ImportCounts(string dir, SmoothingKind smoothing = SmoothingKind.KneserNey, double delta = 0.01,
        long memoryBytes = NGramSorter.DefaultMemoryBytes, string? tempDir = null, IProgress<TrainProgress>? progress = null, CancellationToken ct = default)
    {
        var sw = Stopwatch.StartNew();
        dir = Path.GetFullPath(dir);
        var metaPath = Path.Combine(dir, "counts.json");
        if (!File.Exists(metaPath)) throw new InvalidDataException($"{dir}: no counts.json (a counts folder is the output of scripts/spark/ngram_counts.py)");
        CountsInfo meta;
        try { meta = JsonSerializer.Deserialize<CountsInfo>(File.ReadAllText(metaPath)) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new InvalidDataException($"{metaPath}: {e.Message}"); }
        if (meta.Order is < 1 or > 6) throw new InvalidDataException($"{metaPath}: order {meta.Order} is outside 1..6");
        foreach (var part in new[] { "vocabulary", "records", "spacing" })
            if (!Directory.Exists(Path.Combine(dir, part)) || Directory.GetFiles(Path.Combine(dir, part), "*.parquet").Length == 0)
                throw new InvalidDataException($"{dir}: no Parquet files in {part}/");
        progress?.Report(new(TrainStage.Counting, meta.Files, meta.Files, meta.Tokens, sw.Elapsed));
        var options = new SqlCountOptions { Order = meta.Order, MinCount = meta.MinCount, MemoryBytes = memoryBytes, TempDir = tempDir };
        using var work = new WorkFolder(tempDir);
        using var db = new DuckSession(work.Path, options, [], [dir], ct);
        string Part(string name) => $"read_parquet({Quote(Path.Combine(dir, name, "*.parquet"))})";
        var vocab = db.ReadVocabulary(Part("vocabulary"));
        var trie = new TrieBuilder(meta.Order, vocab.Count);
        db.ReadRecords(SqlStatements.Bind("ordered_records", new Dictionary<string, string> { ["records"] = Part("records") }), meta.Order, trie);
        var spacing = db.ReadSpacing($"SELECT a, b, gap_none, gap_space, gap_newline FROM {Part("spacing")} AS pair", vocab.Count);
        var model = new NGramModel(vocab, trie.Build(), new NGramOptions(meta.Order, smoothing, delta));
        progress?.Report(new(TrainStage.Done, meta.Files, meta.Files, meta.Tokens, sw.Elapsed));
        return new ModelBundle
        {
            Vocabulary = vocab,
            NGram = model,
            Spacing = spacing.Build(vocab),
            Info = new TrainingInfo
            {
                SourceRoot = meta.SourceRoots.FirstOrDefault() ?? dir,
                SourceRoots = meta.SourceRoots,
                Files = meta.Files,
                Tokens = meta.Tokens,
                MinCount = meta.MinCount,
                Seconds = sw.Elapsed.TotalSeconds,
            },
        };
    }

    internal static string Quote(string s) => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>A fresh folder for the database, the spill files and the token table; deleted with all it holds.</summary>
    private sealed class WorkFolder : IDisposable
    {
        public string Path { get; }

        public WorkFolder(string? tempDir)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetFullPath(tempDir ?? System.IO.Path.GetTempPath()), $"completion-lsp-sql-{Environment.ProcessId}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path);
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>One DuckDB database in the work folder, configured and locked before any statement runs.</summary>
    private sealed class DuckSession : IDisposable
    {
        private readonly DuckDBConnection _db;
        private readonly CancellationToken _ct;

        public DuckSession(string workDir, SqlCountOptions o, IReadOnlyList<string> inputFiles, IReadOnlyList<string> dirs, CancellationToken ct)
        {
            _ct = ct;
            // The VS Code extension's server ships without DuckDB's native library (57 MB it never uses there).
            if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("duckdb", typeof(DuckDBConnection).Assembly, null, out _))
                throw new IOException("the DuckDB engine is not in this installation (its native library, libduckdb, is missing: the VS Code extension's server leaves it out); train with the default engine, or with a completion-lsp built from the repository");
            _db = new DuckDBConnection("Data Source=" + Path.Combine(workDir, "counts.duckdb"));
            _db.Open();
            try
            {
                long memory = Math.Max(64L << 20, o.MemoryBytes);
                string List(IEnumerable<string> xs) => "[" + string.Join(", ", xs.Select(Quote)) + "]";
                Execute($"SET memory_limit = '{memory / 1024}KiB'");
                Execute($"SET temp_directory = {Quote(Path.Combine(workDir, "spill"))}");
                Execute($"SET threads = {Math.Max(1, o.Threads)}");
                Execute("SET preserve_insertion_order = false");
                Execute("SET autoinstall_known_extensions = false");
                Execute("SET autoload_known_extensions = false");
                Execute($"SET allowed_directories = {List([workDir, .. dirs.Select(Path.GetFullPath)])}");
                if (inputFiles.Count > 0) Execute($"SET allowed_paths = {List(inputFiles.Select(Path.GetFullPath))}");
                Execute("SET enable_external_access = false");
                Execute("SET lock_configuration = true");
            }
            catch
            {
                _db.Dispose();
                throw;
            }
        }

        public Dictionary<string, string> Parameters(string tokenTable, SqlCountOptions o, bool excludeHeldOut) => new()
        {
            ["tokens"] = $"read_parquet({Quote(Path.GetFullPath(tokenTable))})",
            ["vocabulary"] = "vocabulary",
            ["ids"] = "ids",
            ["order"] = o.Order.ToString(CultureInfo.InvariantCulture),
            ["min_count"] = o.MinCount.ToString(CultureInfo.InvariantCulture),
            ["literal_min_count"] = o.LiteralMinCount.ToString(CultureInfo.InvariantCulture),
            ["max_literal_length"] = o.MaxLiteralLength.ToString(CultureInfo.InvariantCulture),
            ["counted"] = excludeHeldOut ? "NOT held_out" : "1 = 1",
        };

        public SqlCounts Count(string tokenTable, SqlCountOptions o, bool excludeHeldOut, bool spacing)
        {
            if (o.Order is < 1 or > 6) throw new ArgumentOutOfRangeException(nameof(o), "order must be 1..6");
            var p = Parameters(tokenTable, o, excludeHeldOut);
            Create("vocabulary", SqlStatements.Bind("vocabulary", p));
            var vocab = ReadVocabulary("vocabulary");
            Create("ids", SqlStatements.Bind("ids", p));
            var trie = new TrieBuilder(o.Order, vocab.Count);
            p["records"] = "(\n" + SqlStatements.Bind("ngrams", p) + "\n)";
            ReadRecords(SqlStatements.Bind("ordered_records", p), o.Order, trie);
            var pairs = spacing ? ReadSpacing(SqlStatements.Bind("spacing", p), vocab.Count) : null;
            Execute("DROP TABLE ids");
            Execute("DROP TABLE vocabulary");
            return new SqlCounts(vocab, trie.Build(), pairs, trie.Records);
        }

        public void Create(string table, string select) => Execute($"CREATE OR REPLACE TABLE {table} AS\n{select}");

        /// <summary>The vocabulary in its ids (8, 9, ...), from a table with text, kind and id.</summary>
        public Vocabulary ReadVocabulary(string relation)
        {
            var words = new List<string>();
            var kinds = new List<TokenKind>();
            Read($"SELECT text, CAST(kind AS INT) AS kind, CAST(id AS BIGINT) AS id FROM {relation} AS voc ORDER BY id ASC NULLS FIRST", r =>
            {
                long id = r.GetInt64(2);
                if (id != Vocabulary.ReservedCount + words.Count) throw new InvalidDataException($"vocabulary ids are not {Vocabulary.ReservedCount}, {Vocabulary.ReservedCount + 1}, ... (id {id} at row {words.Count})");
                int kind = r.GetInt32(1);
                if (kind is < 0 or > (int)TokenKind.Literal) throw new InvalidDataException($"vocabulary entry {id} has kind {kind}");
                words.Add(r.GetString(0));
                kinds.Add((TokenKind)kind);
            });
            return new Vocabulary(words, kinds);
        }

        /// <summary>Streams sorted records (t0..t5, cnt; NULLs past a record's end) into the trie.</summary>
        public void ReadRecords(string orderedSelect, int order, TrieBuilder trie)
        {
            var rec = new int[6];
            Read(orderedSelect, r =>
            {
                int len = 0;
                while (len < 6 && !r.IsDBNull(len)) { rec[len] = r.GetInt32(len); len++; }
                for (int i = len + 1; i < 6; i++)
                    if (!r.IsDBNull(i)) throw new InvalidDataException("an n-gram record with a NULL inside it");
                if (len == 0 || len > order) throw new InvalidDataException($"an n-gram record of length {len} (order {order})");
                trie.Add(rec.AsSpan(0, len), r.GetInt64(6));
            });
        }

        public SpacingCounter ReadSpacing(string select, int vocabSize)
        {
            var s = new SpacingCounter();
            Read(select, r =>
            {
                int a = r.GetInt32(0), b = r.GetInt32(1);
                if ((uint)a >= (uint)vocabSize || (uint)b >= (uint)vocabSize) throw new InvalidDataException($"a spacing pair with id {Math.Max(a, b)} (vocabulary {vocabSize})");
                s.Add(a, b, new SpacingCounter.Gaps(r.GetInt64(2), r.GetInt64(3), r.GetInt64(4)));
            });
            return s;
        }

        public long Scalar(string sql) => Run(sql, cmd => Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture));

        public void Execute(string sql) => Run(sql, cmd => cmd.ExecuteNonQuery());

        private void Read(string sql, Action<DuckDBDataReader> row) => Run(sql, cmd =>
        {
            cmd.UseStreamingMode = true;
            using var r = cmd.ExecuteReader();
            long n = 0;
            while (r.Read())
            {
                row(r);
                if ((++n & 0xFFFF) == 0) _ct.ThrowIfCancellationRequested();
            }
            return n;
        });

        /// <summary>Runs a statement; an interrupted one is a cancellation, a failed one (out of memory or disk, a bad
        /// input file) an <see cref="IOException"/> with DuckDB's message.</summary>
        private T Run<T>(string sql, Func<DuckDBCommand, T> body)
        {
            _ct.ThrowIfCancellationRequested();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = sql;
            using var cancel = _ct.Register(() => { try { cmd.Cancel(); } catch (ObjectDisposedException) { } });
            try { return body(cmd); }
            catch (DuckDBException) when (_ct.IsCancellationRequested) { throw new OperationCanceledException(_ct); }
            catch (DuckDBException e) { throw new IOException("DuckDB: " + e.Message, e); }
        }

        public void Dispose() => _db.Dispose();
    }
}
