using System.Diagnostics;
using System.Text;
using System.Text.Json;
using CompletionLsp.Bench;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// The server process given a damaged model file (ModelFileTests covers the loader in-process): truncated at every
/// sixteenth, bit-flipped, foreign, another version, incomplete, empty, unreadable, a named pipe, a device. Each is
/// reported with a message naming the file and the problem, and completions from the open documents still come.
/// </summary>
public sealed class ModelFileServerTests(ITestOutputHelper output)
{
    private const string Doc = "file:///models/Doc.cs";
    private const string DocText = "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count }\n}";

    private static string? PathOf(JsonElement status) => status.TryGetProperty("modelPath", out var p) ? p.GetString() : null;

    private static void Configure(LspProcess lsp, string path) =>
        lsp.Notify("workspace/didChangeConfiguration", new { settings = new { completionLsp = new { modelPath = path } } });

    [SkippableFact]
    public async Task Every_damaged_model_is_reported_by_name_and_the_server_goes_on_without_it()
    {
        Skip.If(OperatingSystem.IsWindows(), "uses named pipes and /dev/zero");
        using var dir = new TempDir("models");
        var good = await File.ReadAllBytesAsync(Repo.SmallModelPath);
        var cases = new List<(string Name, Func<string, Task> Make, string[] Expected)>();
        void Bytes(string name, byte[] bytes, params string[] expected) => cases.Add((name, p => File.WriteAllBytesAsync(p, bytes), expected));

        for (int k = 0; k < 16; k++)
            Bytes($"truncated at {k}/16", good[..(good.Length * k / 16)], k == 0 ? ["empty"] : ["truncated"]);
        byte[] Flip(int at, int bit) { var b = good.ToArray(); b[at] ^= (byte)(1 << bit); return b; }
        Bytes("bit flipped in the magic", Flip(3, 2), "not a CompletionLsp model file");
        Bytes("bit flipped in the version", Flip(9, 0), "version");
        Bytes("complete flag cleared", Flip(12, 0), "incomplete");
        Bytes("bit flipped in the end marker", Flip(good.Length - 12, 5), "truncated");
        Bytes("bit flipped in the checksum", Flip(good.Length - 1, 7), "corrupt");
        var rng = new Random(5);
        for (int i = 0; i < 6; i++)
        {
            int at = rng.Next(20, good.Length - 16);
            Bytes($"bit flipped at byte {at}", Flip(at, rng.Next(8)), "corrupt");
        }
        var v2 = good.ToArray(); BitConverter.GetBytes(2u).CopyTo(v2, 8);
        Bytes("another format version", v2, "version 2 is not supported");
        Bytes("foreign: PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1], "not a CompletionLsp model file");
        Bytes("foreign: C# source", Encoding.UTF8.GetBytes("namespace N; class C { }\n"), "not a CompletionLsp model file");
        Bytes("foreign: zip", [0x50, 0x4B, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a CompletionLsp model file");
        // A .NET BinaryFormatter stream header: rejected as foreign, never handed to any deserializer.
        Bytes("foreign: BinaryFormatter stream", [0x00, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x02, 0x00, 0x00, 0x00], "not a CompletionLsp model file");
        Bytes("zero-length", [], "empty");
        cases.Add(("a folder", p => { Directory.CreateDirectory(p); return Task.CompletedTask; }, ["No trained model at", "NONE"]));
        cases.Add(("a named pipe (no writer)", async p => Assert.Equal(0, (await Run("mkfifo", p)).ExitCode), ["not a regular file"]));
        cases.Add(("a symlink to /dev/zero", p => { File.CreateSymbolicLink(p, "/dev/zero"); return Task.CompletedTask; }, ["not a regular file"]));
        bool root = Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";
        cases.Add(("permissions 000", async p => { await File.WriteAllBytesAsync(p, good); if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(p, UnixFileMode.None); },
            root ? ["not a CompletionLsp model file", "not readable", "corrupt", "LOADED"] : ["not readable"]));

        await using var lsp = Server.Start();
        await Server.Initialize(lsp);
        Server.Open(lsp, Doc, DocText);
        var sw = Stopwatch.StartNew();
        int n = 0, reported = 0;
        foreach (var (name, make, expected) in cases)
        {
            n++;
            var path = dir.Combine($"case{n}", "model");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await make(path);
            Configure(lsp, path);
            string message;
            if (expected.Contains("LOADED"))
            {
                // As root, mode 000 does not stop reading: the model loads, which is right too.
                var st = await Server.WaitFor(lsp, "completionLsp/status", p => PathOf(p) == path && p.GetProperty("state").GetString() is "loaded" or "error", 30);
                message = st.GetProperty("state").GetString() == "loaded" ? "LOADED (running as root)" : st.GetProperty("message").GetString()!;
            }
            else
            {
                var shown = await Server.WaitFor(lsp, "window/showMessage", p => p.GetProperty("message").GetString()!.Contains(path), 30);
                message = shown.GetProperty("message").GetString()!;
                Assert.True(message.Split(path).Length == 2, $"the path is named more than once: {message}");
                Assert.Equal(2, shown.GetProperty("type").GetInt32()); // a warning
                string state = expected.Contains("NONE") ? "none" : "error";
                await Server.WaitFor(lsp, "completionLsp/status", p => PathOf(p) == path && p.GetProperty("state").GetString() == state, 30);
                reported++;
            }
            output.WriteLine($"{name,-34} {message.Replace(dir.Path, "<dir>")}");
            Assert.True(expected.Any(e => message.Contains(e, StringComparison.Ordinal)), $"{name}: '{message}' names none of: {string.Join(" | ", expected)}");
            // Completions from the open document still come, and the process is alive.
            Assert.Contains("counterOfThings", Server.Labels(await Server.Complete(lsp, Doc, 3, 41)));
            if (n % 8 == 0)
            {
                // Now and then a good model in between: it loads, and the next bad one replaces it.
                var goodPath = dir.Combine($"good{n}", "model");
                Directory.CreateDirectory(Path.GetDirectoryName(goodPath)!);
                await File.WriteAllBytesAsync(goodPath, good);
                Configure(lsp, goodPath);
                await Server.WaitFor(lsp, "completionLsp/status", p => PathOf(p) == goodPath && p.GetProperty("state").GetString() == "loaded", 60);
            }
        }
        output.WriteLine($"{cases.Count} damaged model files, {reported} reported by window/showMessage in {sw.Elapsed.TotalSeconds:F1} s; the server answered completions after each");
        Assert.False(lsp.HasExited);
        Assert.Equal(0, await lsp.ShutdownAsync());
    }

    [Theory]
    [InlineData(3)]
    [InlineData(19)]
    public async Task Server_training_killed_midway_leaves_the_previous_model_intact(int seed)
    {
        using var dir = new TempDir("server-train-killed");
        // A workspace: a copy of this repository's Core and Server sources; the previous model trained on a part of it.
        foreach (var project in new[] { "CompletionLsp.Core", "CompletionLsp.Server" })
            foreach (var f in Directory.EnumerateFiles(Path.Combine(Repo.Root, "src", project), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
            {
                var to = dir.Combine("ws", Path.GetRelativePath(Path.Combine(Repo.Root, "src"), f));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(f, to);
            }
        string ws = dir.Combine("ws"), model = Path.Combine(ws, ".completion-lsp", "model");
        Trainer.Train(new TrainOptions { Root = Path.Combine(ws, "CompletionLsp.Core", "Syntax"), AllFiles = true, TuneCache = false }).Save(model);
        var before = await File.ReadAllBytesAsync(model);
        var previous = ModelBundle.Load(model);

        await using (var lsp = Server.Start())
        {
            await Server.Initialize(lsp, new Uri(ws).AbsoluteUri);
            await Server.WaitFor(lsp, "completionLsp/status", p => p.GetProperty("state").GetString() == "loaded");
            int id = lsp.NextId();
            _ = lsp.Expect("n:" + id);
            lsp.WriteRaw(LspProcess.Frame(JsonSerializer.Serialize(new { jsonrpc = "2.0", id, method = "workspace/executeCommand", @params = new { command = "completionLsp.train" } })));
            await Server.WaitFor(lsp, "completionLsp/status", p => p.GetProperty("state").GetString() == "training");
            await Task.Delay(new Random(seed).Next(50, 1500));
            var states = lsp.Notifications.Where(n => n.Method == "completionLsp/status").Select(n => n.Params.GetProperty("state").GetString()).ToList();
            bool finished = states.LastIndexOf("loaded") > states.IndexOf("training");
            output.WriteLine($"killed the server {(finished ? "after" : "during")} training");
        } // DisposeAsync kills the process

        var after = ModelBundle.Load(model); // loads: the old model or a complete new one
        var now = await File.ReadAllBytesAsync(model);
        if (now.SequenceEqual(before)) Assert.Equal(previous.Vocabulary.StaticCount, after.Vocabulary.StaticCount);
        else Assert.True(after.Info.Files > previous.Info.Files, "a replaced model must be the complete new one");
        output.WriteLine(now.SequenceEqual(before) ? "the previous model is intact" : "the new model was complete before the kill");
    }

    private static async Task<(int ExitCode, string Output)> Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string o = await p.StandardOutput.ReadToEndAsync() + await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, o);
    }
}
