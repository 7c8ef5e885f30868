"""Local stand-ins for the platforms' order APIs, speaking each platform's documented wire format."""
