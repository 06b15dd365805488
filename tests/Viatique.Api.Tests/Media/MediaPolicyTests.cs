using System.Text;
using Viatique.Api.Media;

namespace Viatique.Api.Tests.Media;

public class MediaPolicyTests
{
    [Theory]
    [InlineData("x.php")]
    [InlineData("x.PHTML")]
    [InlineData("x.py")]
    [InlineData("x.sh")]
    [InlineData("x.pl")]
    [InlineData("x.cgi")]
    [InlineData("x.exe")]
    [InlineData("x.html")]
    [InlineData("x.htm")]
    [InlineData("x.svg")]
    [InlineData("x.js")]
    [InlineData("x.php.png")]
    [InlineData("../x.php")]
    public void RefusesActiveContentByName(string name) => Assert.NotNull(MediaPolicy.RefuseByName(name, "application/octet-stream"));

    [Theory]
    [InlineData("photo.jpg", "image/jpeg")]
    [InlineData("report.pdf", "application/pdf")]
    [InlineData("notes.txt", "text/plain")]
    [InlineData("archive.tar.gz", "application/gzip")]
    [InlineData("README", null)]
    public void AcceptsOrdinaryFiles(string name, string? type) => Assert.Null(MediaPolicy.RefuseByName(name, type));

    [Theory]
    [InlineData("text/html; charset=utf-8")]
    [InlineData("image/svg+xml")]
    [InlineData("application/javascript")]
    public void RefusesActiveContentByDeclaredType(string type) => Assert.NotNull(MediaPolicy.RefuseByName("file.dat", type));

    [Theory]
    [InlineData("<?php echo 1;")]
    [InlineData("  <!DOCTYPE html><html>")]
    [InlineData("\uFEFF<svg xmlns='http://www.w3.org/2000/svg'/>")]
    [InlineData("#!/usr/bin/env python")]
    [InlineData("MZ\u0090\u0000")]
    public void RefusesActiveContentByItsFirstBytes(string head) => Assert.NotNull(MediaPolicy.RefuseByContent(Encoding.UTF8.GetBytes(head)));

    [Fact]
    public void AcceptsBinaryAndPlainText()
    {
        Assert.Null(MediaPolicy.RefuseByContent([0xFF, 0xD8, 0xFF, 0xE0]));
        Assert.Null(MediaPolicy.RefuseByContent("Dear diary"u8));
    }

    [Theory]
    [InlineData("Photo.JPG", ".jpg")]
    [InlineData("a.tar.gz", ".gz")]
    [InlineData("noextension", "")]
    [InlineData("weird.ext with space", "")]
    [InlineData("x.averyveryverylongextension", "")]
    public void StoredExtensionIsShortAndPlain(string name, string extension) => Assert.Equal(extension, MediaPolicy.StoredExtension(name));
}
