"""factbot on Discord: a discord.py client, application commands, embeds and persistent buttons over the core."""
