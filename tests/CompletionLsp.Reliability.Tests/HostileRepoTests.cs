using System.Diagnostics;
using System.Text;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// `completion-lsp train` (the CLI process) on a repository with everything at once that RepoWalkerTests checks one at
/// a time, plus a 50 MB generated file, a named pipe and a device behind a .cs name: it reports and skips what it
/// cannot use, and finishes with a model of the rest.
/// </summary>
public sealed class HostileRepoTests(ITestOutputHelper output)
{
    private const string Code = "namespace Good;\npublic class Widget\n{\n    public int Count { get; set; }\n    public void Add(int n) { Count += n; }\n}\n";

    [SkippableFact]
    public async Task Train_reports_and_skips_hostile_files_and_finishes()
    {
        Skip.If(OperatingSystem.IsWindows(), "uses symlinks, named pipes, /dev/zero and Unix permissions");
        using var repo = new TempDir("hostile");
        repo.File("good/Widget.cs", Code);
        repo.File("good/Other.cs", Code.Replace("Widget", "Gadget"));
        repo.File(Path.Combine("my folder", "Ünïcödé 文件.cs"), "class Ünïcödé { string s = \"日本\"; Ünïcödé u; }\n");
        repo.File(Path.Combine("with space", "deeper dir", "a b.cs"), Code.Replace("Widget", "Spaced"));
        Directory.CreateSymbolicLink(repo.Combine("good", "loop"), repo.Combine("good"));
        File.CreateSymbolicLink(repo.Combine("dangling.cs"), repo.Combine("nowhere.cs"));
        repo.File("locked/Secret.cs", Code);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(repo.Combine("locked"), UnixFileMode.None);
        repo.Bytes("image.cs", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52]);
        repo.Bytes("latin1.cs", Encoding.Latin1.GetBytes("// caf\u00e9\nclass D { }\n"));
        File.CreateSymbolicLink(repo.Combine("zero.cs"), "/dev/zero");
        using (var mkfifo = Process.Start("mkfifo", repo.Combine("pipe.cs"))!) { mkfifo.WaitForExit(); Assert.Equal(0, mkfifo.ExitCode); }
        // A 50 MB generated file (real code, no generated-file marker): over the size limit, skipped unread.
        using (var w = new StreamWriter(repo.Combine("Generated50MB.cs"), false, new UTF8Encoding(false)))
        {
            w.WriteLine("namespace Big;\npublic static class Table\n{");
            long written = 0;
            for (int i = 0; written < 50L << 20; i++)
            {
                string line = $"    public const int Value{i} = {i * 7919 % 104729};";
                w.WriteLine(line);
                written += line.Length + 1;
            }
            w.WriteLine("}");
        }
        // An MSBuild project with an Exec target: training reads .cs files only; nothing evaluates or builds it.
        repo.File("Evil.csproj", "<Project><Target Name=\"Build\" BeforeTargets=\"Restore;Build\"><Exec Command=\"touch " + repo.Combine("PWNED") + "\" /></Target></Project>");

        var sw = Stopwatch.StartNew();
        var (code, stdout, stderr) = await Server.Cli("train", repo.Path, "--out", repo.Combine("out", "model"), "--all-files", "--no-tune", "--min-count", "1");
        output.WriteLine($"train on the hostile repository: exit {code} in {sw.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(stdout.Contains("  model") ? stdout[stdout.IndexOf("  model", StringComparison.Ordinal)..] : stdout);
        if (stderr.Length > 0) output.WriteLine("stderr: " + stderr[^Math.Min(stderr.Length, 2000)..]);

        Assert.Equal(0, code);
        Assert.True(sw.Elapsed < TimeSpan.FromMinutes(2), "train took too long");
        Assert.Contains("skipped    Generated50MB.cs: too large", stdout);
        Assert.Contains("skipped    image.cs: binary", stdout);
        Assert.Contains("skipped    latin1.cs: not valid UTF-8", stdout);
        Assert.Contains("skipped    good/loop: symlink loop", stdout);
        Assert.Contains("skipped    dangling.cs: unreadable", stdout);
        bool root = Directory.GetFiles(repo.Combine("locked")).Length > 0;
        if (!root) Assert.Contains("skipped    locked: unreadable folder", stdout);
        else output.WriteLine("(running as root: the folder with permissions 000 is readable, so it is trained on)");
        Assert.False(File.Exists(repo.Combine("PWNED")), "the project's Exec target ran");

        var model = ModelBundle.Load(repo.Combine("out", "model"));
        Assert.True(model.Vocabulary.TryGetId("Ünïcödé", out _), "the file with a non-ASCII name was trained on");
        Assert.True(model.Vocabulary.TryGetId("Spaced", out _), "the file in folders with spaces was trained on");
        Assert.False(model.Vocabulary.TryGetId("Value12345", out _), "the 50 MB file was skipped");
    }
}
