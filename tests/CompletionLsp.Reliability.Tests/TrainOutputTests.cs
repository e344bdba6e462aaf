using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;

namespace CompletionLsp.Reliability.Tests;

/// <summary>
/// `train --out` and the server's completionLsp.train: what the output path names is respected (a device, FIFO or
/// socket is refused, a symlink is written through), nothing to train on is refused, and an interrupted write leaves
/// the previous model and no temporary file.
/// </summary>
public sealed class TrainOutputTests(ITestOutputHelper output)
{
    private const string Code = "namespace Good;\npublic class Widget\n{\n    public int Count { get; set; }\n    public void Add(int n) { Count += n; }\n}\n";

    private static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    private static TempDir Repo1(string name)
    {
        var dir = new TempDir(name);
        for (int i = 0; i < 4; i++) dir.File($"repo/F{i}.cs", Code.Replace("Widget", "Widget" + i));
        return dir;
    }

    private static string[] Temporaries(string folder) => Directory.GetFiles(folder, "*.tmp", new EnumerationOptions { AttributesToSkip = 0 });

    [SkippableFact]
    public void A_device_is_refused_as_output_without_touching_it_even_through_a_symlink()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir("out-device");
        var link = dir.Combine("model-link");
        File.CreateSymbolicLink(link, "/dev/null");
        // ResolveOutput only looks; the end-to-end case below uses FIFOs and sockets, never the machine's devices.
        var e = Assert.Throws<IOException>(() => ModelFile.ResolveOutput("/dev/null"));
        Assert.Contains("character device", e.Message);
        e = Assert.Throws<IOException>(() => ModelFile.ResolveOutput(link));
        Assert.Contains("a link to /dev/null", e.Message);
        Assert.Equal(FileType.CharDevice, FileKind.Of("/dev/null"));
        Assert.Equal(FileType.Symlink, FileKind.Of(link, followLinks: false));
    }

    [SkippableFact]
    public async Task Train_refuses_a_fifo_a_socket_and_a_folder_as_output_and_leaves_them_as_they_were()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = Repo1("out-special");
        var fifo = dir.Combine("fifo");
        Assert.Equal(0, (await Run("mkfifo", fifo)).ExitCode);
        var sock = dir.Combine("sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(sock));
        var folder = dir.Combine("folder");
        Directory.CreateDirectory(folder);
        var linkToFifo = dir.Combine("link-to-fifo");
        File.CreateSymbolicLink(linkToFifo, fifo);
        foreach (var (path, kind, expected) in new[] { (fifo, FileType.Fifo, "named pipe"), (sock, FileType.Socket, "socket"), (folder, FileType.Directory, "folder"), (linkToFifo, FileType.Symlink, "named pipe") })
        {
            var (code, stdout, stderr) = await Server.Cli("train", dir.Combine("repo"), "--out", path, "--no-tune");
            output.WriteLine($"{Path.GetFileName(path)}: exit {code}: {stderr.Trim()}");
            Assert.Equal(1, code);
            Assert.Contains(expected, stderr);
            Assert.DoesNotContain("tokenizing", stdout + stderr); // refused before reading the repository
            Assert.Equal(kind, FileKind.Of(path, followLinks: false));
        }
        Assert.Empty(Temporaries(dir.Path));
    }

    [SkippableFact]
    public async Task Train_through_a_symlink_replaces_the_target_atomically_and_keeps_the_link()
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = Repo1("out-symlink");
        var models = dir.Combine("models");
        Directory.CreateDirectory(models);
        var target = Path.Combine(models, "real.model");
        await File.WriteAllTextAsync(target, "old contents");
        var linkDir = dir.Combine("links");
        Directory.CreateDirectory(linkDir);
        var link = Path.Combine(linkDir, "model");
        File.CreateSymbolicLink(link, "../models/real.model"); // relative, resolved from the link's folder
        var (code, _, stderr) = await Server.Cli("train", dir.Combine("repo"), "--out", link, "--no-tune", "--all-files");
        Assert.True(code == 0, stderr);
        Assert.Equal(FileType.Symlink, FileKind.Of(link, followLinks: false));
        Assert.Equal("../models/real.model", new FileInfo(link).LinkTarget);
        Assert.Equal(4, ModelBundle.Load(target).Info.Files);
        Assert.Empty(Temporaries(models));
        Assert.Empty(Temporaries(linkDir));

        // A dangling link: the model is created where it points.
        var dangling = Path.Combine(linkDir, "dangling");
        File.CreateSymbolicLink(dangling, Path.Combine(models, "new.model"));
        (code, _, stderr) = await Server.Cli("train", dir.Combine("repo"), "--out", dangling, "--no-tune", "--all-files");
        Assert.True(code == 0, stderr);
        Assert.Equal(FileType.Symlink, FileKind.Of(dangling, followLinks: false));
        Assert.Equal(4, ModelBundle.Load(Path.Combine(models, "new.model")).Info.Files);
    }

    [Fact]
    public async Task An_output_folder_that_cannot_be_created_is_reported_before_the_repository_is_read()
    {
        using var dir = Repo1("out-nofolder");
        var file = dir.File("plain-file", "not a folder");
        var (code, stdout, stderr) = await Server.Cli("train", dir.Combine("repo"), "--out", Path.Combine(file, "model"));
        Assert.Equal(1, code);
        Assert.Contains("cannot write the model", stderr);
        Assert.DoesNotContain("tokenizing", stdout + stderr);
        Assert.Equal("not a folder", await File.ReadAllTextAsync(file));
    }

    [SkippableFact]
    public async Task A_read_only_output_folder_is_reported_before_the_repository_is_read()
    {
        Skip.If(OperatingSystem.IsWindows() || IsRoot, "as root a read-only folder is writable");
        using var dir = Repo1("out-readonly");
        var ro = dir.Combine("ro");
        Directory.CreateDirectory(ro);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ro, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var (code, stdout, stderr) = await Server.Cli("train", dir.Combine("repo"), "--out", Path.Combine(ro, "model"));
        Assert.Equal(1, code);
        Assert.Contains("cannot write the model", stderr);
        Assert.DoesNotContain("tokenizing", stdout + stderr);
    }

    public static TheoryData<string> NothingToTrain => ["empty folder", "only unreadable files", "only empty files"];

    [Theory]
    [MemberData(nameof(NothingToTrain))]
    public async Task Train_with_nothing_to_train_on_exits_1_and_keeps_the_previous_model(string what)
    {
        using var dir = new TempDir("nothing");
        var repo = dir.Combine("repo");
        Directory.CreateDirectory(repo);
        if (what == "only unreadable files") { dir.Bytes("repo/Bin.cs", [0, 1, 2, 0, 3]); dir.Bytes("repo/Latin1.cs", [0x63, 0xE9, 0x20]); }
        if (what == "only empty files") dir.File("repo/Empty.cs", "");
        var model = dir.Combine("model");
        File.Copy(Repo.SmallModelPath, model);
        var before = await File.ReadAllBytesAsync(model);
        var (code, stdout, stderr) = await Server.Cli("train", repo, "--out", model, "--all-files");
        output.WriteLine($"{what}: exit {code}: {stderr.Trim()}");
        Assert.Equal(1, code);
        Assert.Contains("nothing to train on", stderr);
        Assert.Contains("the existing model is kept", stderr);
        Assert.Equal(before, await File.ReadAllBytesAsync(model));
    }

    [Fact]
    public async Task The_servers_train_command_on_an_empty_workspace_fails_and_keeps_the_loaded_model()
    {
        using var dir = new TempDir("server-nothing");
        var ws = dir.Combine("ws");
        Directory.CreateDirectory(ws);
        var model = Path.Combine(ws, ".completion-lsp", "model");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        File.Copy(Repo.SmallModelPath, model);
        var before = await File.ReadAllBytesAsync(model);
        await using var lsp = Server.Start();
        await Server.Initialize(lsp, new Uri(ws).AbsoluteUri);
        await Server.WaitFor(lsp, "completionLsp/status", p => p.GetProperty("state").GetString() == "loaded");
        var answer = await lsp.RequestMessage("workspace/executeCommand", new { command = "completionLsp.train" }, TimeSpan.FromSeconds(60));
        Assert.True(answer.TryGetProperty("error", out var err), answer.ToString());
        output.WriteLine(err.ToString());
        Assert.Contains("nothing to train on", err.GetProperty("message").GetString());
        Assert.Equal(before, await File.ReadAllBytesAsync(model));
        var st = await Server.WaitFor(lsp, "completionLsp/status", p => p.GetProperty("state").GetString() == "loaded" && p.GetProperty("message").GetString()!.Contains("training failed"));
        Assert.Contains("nothing to train on", st.GetProperty("message").GetString());
    }

    [SkippableTheory]
    [InlineData("INT", 130)]
    [InlineData("TERM", 143)]
    public async Task An_interrupted_train_exits_with_its_code_keeps_the_previous_model_and_leaves_no_temporary(string signal, int expectedCode)
    {
        Skip.If(OperatingSystem.IsWindows());
        using var dir = new TempDir("interrupted-" + signal);
        var model = dir.Combine("out", "model");
        Directory.CreateDirectory(Path.GetDirectoryName(model)!);
        File.Copy(Repo.SmallModelPath, model);
        var before = await File.ReadAllBytesAsync(model);
        string src = Path.Combine(Repo.Root, "src");
        int interrupted = 0;
        // Several delays, so that the signal lands while reading, counting, tuning or writing.
        foreach (int delayMs in new[] { 300, 900, 1600, 2400, 3300 })
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { Repo.CompletionLspDll, "train", src, "--out", model, "--all-files" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var so = p.StandardOutput.ReadToEndAsync();
            var se = p.StandardError.ReadToEndAsync();
            await Task.Delay(delayMs);
            if (!p.HasExited) await Run("kill", "-" + signal, p.Id.ToString());
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await p.WaitForExitAsync(cts.Token);
            string err = await se;
            _ = await so;
            output.WriteLine($"SIG{signal} after {delayMs} ms: exit {p.ExitCode}; {err.Trim().Split('\n').LastOrDefault()}");
            Assert.True(p.ExitCode == expectedCode || p.ExitCode == 0, $"exit {p.ExitCode}: {err}");
            Assert.Empty(Temporaries(Path.GetDirectoryName(model)!));
            ModelBundle.Load(model); // the previous model or a complete new one
            if (p.ExitCode == expectedCode)
            {
                interrupted++;
                Assert.Equal(before, await File.ReadAllBytesAsync(model));
            }
            else before = await File.ReadAllBytesAsync(model);
        }
        Assert.True(interrupted > 0, "no run was interrupted");
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
