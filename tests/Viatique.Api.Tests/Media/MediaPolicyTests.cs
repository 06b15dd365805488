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

public class MediaPolicyReviewTests
{
    [Theory]
    [InlineData("page.mht")]
    [InlineData("page.MHTML")]
    [InlineData("app.hta")]
    [InlineData("feed.rss")]
    [InlineData("feed.atom")]
    [InlineData("formula.mml")]
    [InlineData("module.wasm")]
    [InlineData("schema.xsd")]
    public void RefusesActiveContentTheReviewFound(string name) => Assert.NotNull(MediaPolicy.RefuseByName(name, "application/octet-stream"));

    [Theory]
    [InlineData("<!-- hi --><script>")]
    [InlineData("<body onload=x()>")]
    [InlineData("\uFEFF  <HTML>")]
    public void RefusesHtmlWhateverItOpensWith(string text) => Assert.NotNull(MediaPolicy.RefuseByContent(System.Text.Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void RefusesUtf16Html()
    {
        Assert.NotNull(MediaPolicy.RefuseByContent(System.Text.Encoding.Unicode.GetBytes("<html>")));
        Assert.NotNull(MediaPolicy.RefuseByContent([0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes("<script>")]));
        Assert.NotNull(MediaPolicy.RefuseByContent(System.Text.Encoding.BigEndianUnicode.GetBytes("<svg>")));
    }

    [Fact]
    public void AcceptsPlainTextAndImages()
    {
        Assert.Null(MediaPolicy.RefuseByContent("just some notes"u8));
        Assert.Null(MediaPolicy.RefuseByContent([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]));
    }

    [Theory]
    [InlineData("photo\u202Egpj.exe", "photogpj.exe")]
    [InlineData("a\u0000b\r\n.txt", "ab.txt")]
    [InlineData("C:\\Users\\x\\holiday.jpg", "holiday.jpg")]
    [InlineData("\u200B", "file")]
    public void DisplayNamesLoseControlAndBidiCharacters(string name, string shown) => Assert.Equal(shown, MediaPolicy.DisplayName(name));
}
