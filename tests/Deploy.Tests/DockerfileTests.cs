using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using SourceApp.Options;

namespace Deploy.Tests;

/// <summary>
/// The Dockerfiles, read (no Docker daemon is used here): a multi-stage build from the SDK image
/// of the repository's .NET version to the ASP.NET Core runtime image, of a project that exists,
/// whose assembly the entry point runs, as a non-root user; and each image the manifests name has one.
/// </summary>
public partial class DockerfileTests
{
    public static TheoryData<string> Files => [.. Dockerfile.All.Select(f => Path.GetFileName(f))];

    [Fact]
    public void Images_NamedByTheManifests_EachHasADockerfile()
    {
        var images = Manifests.Containers(Manifests.Base).Select(c => c.Container.Image).Distinct().ToList();

        Assert.Equal(2, images.Count);
        foreach (string image in images)
        {
            string name = image.Split('/')[^1].Split(':')[0];
            Assert.True(File.Exists(Path.Combine(Repository.DockerDir, $"{name}.Dockerfile")), $"no deploy/docker/{name}.Dockerfile for image {image}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Dockerfile_BuildsAnExistingProjectOnTheSdkAndRunsItOnAspNetAsNonRoot(string file)
    {
        var dockerfile = Dockerfile.Load(Path.Combine(Repository.DockerDir, file));
        string dotnetVersion = TargetFramework()["net".Length..];

        Assert.True(dockerfile.Stages.Count >= 2, $"{file} is not multi-stage");
        Assert.StartsWith($"mcr.microsoft.com/dotnet/sdk:{dotnetVersion} ", dockerfile.Stages[0][0].Arguments + " ", StringComparison.Ordinal);
        Assert.StartsWith($"mcr.microsoft.com/dotnet/aspnet:{dotnetVersion} ", dockerfile.Final[0].Arguments + " ", StringComparison.Ordinal);

        // What the build stage copies from the context exists (paths are relative to the repository root).
        foreach (var (_, arguments) in dockerfile.Stages[0].Where(i => i.Instruction == "COPY"))
        {
            string[] parts = arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.All(parts[..^1], source => Assert.True(File.Exists(Path.Combine(Repository.Root, source)) || Directory.Exists(Path.Combine(Repository.Root, source)), $"{file} copies {source}, which is not in the repository"));
        }

        var publish = dockerfile.Stages[0].Select(i => PublishCommand().Match(i.Arguments)).Single(m => m.Success);
        string project = publish.Groups["project"].Value;
        Assert.True(File.Exists(Path.Combine(Repository.Root, project)), $"{file} publishes {project}, which does not exist");
        Assert.StartsWith(Path.GetFileNameWithoutExtension(project).ToLowerInvariant(), file, StringComparison.Ordinal);

        var entrypoint = Dockerfile.ExecForm(dockerfile.Final.Single(i => i.Instruction == "ENTRYPOINT").Arguments);
        Assert.Equal(["dotnet", AssemblyName(project) + ".dll"], entrypoint);

        // The last USER of the final stage, the one the entry point runs as, is not root.
        var user = dockerfile.Final.LastOrDefault(i => i.Instruction == "USER");
        Assert.True(user.Instruction is not null, $"{file}: the final stage sets no USER, so it runs as root");
        Assert.DoesNotMatch("^(root|0)(:.*)?$", user.Arguments);
    }

    [Fact]
    public void SourceAppImage_DefaultCommand_ParsesAndWritesUnderItsVolume()
    {
        var dockerfile = Dockerfile.Load(Path.Combine(Repository.DockerDir, "sourceapp.Dockerfile"));
        var args = Dockerfile.ExecForm(dockerfile.Final.Single(i => i.Instruction == "CMD").Arguments);

        var parsed = SourceOptionsParser.Parse(args);

        Assert.True(parsed.Error is null, parsed.Error);
        string volume = dockerfile.Final.Single(i => i.Instruction == "VOLUME").Arguments;
        Assert.StartsWith(volume + "/", parsed.Options!.DatabasePath, StringComparison.Ordinal);

        // The Deployment mounts its volume where the image keeps the database.
        var container = Manifests.Containers(Manifests.Base).Single(c => c.Container.Name == "sourceapp").Container;
        Assert.Contains(container.VolumeMounts, m => m.MountPath == volume);
    }

    private static string TargetFramework() =>
        XDocument.Load(Path.Combine(Repository.Root, "Directory.Build.props")).Descendants("TargetFramework").Single().Value;

    private static string AssemblyName(string project) =>
        XDocument.Load(Path.Combine(Repository.Root, project)).Descendants("AssemblyName").SingleOrDefault()?.Value
        ?? Path.GetFileNameWithoutExtension(project);

    [GeneratedRegex(@"dotnet publish (?<project>\S+\.csproj)")]
    private static partial Regex PublishCommand();
}
