using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Viatique.Api.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PasswordResetMails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "password_reset_mails",
                columns: table => new
                {
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    SentAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    SecurityStamp = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_password_reset_mails", x => x.UserId);
                });

            migrationBuilder.CreateIndex(
                name: "IX_password_reset_mails_SentAt",
                table: "password_reset_mails",
                column: "SentAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "password_reset_mails");
        }
    }
}
