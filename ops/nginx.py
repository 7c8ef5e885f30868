"""A private nginx for the team demo: deploy/nginx/orderhub.conf.template inside a minimal main config."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from string import Template

from core.store.db import ROOT

TEMPLATE = ROOT / "deploy" / "nginx" / "orderhub.conf.template"
FAIL_TIMEOUT = 5  # seconds nginx keeps a replica that refused a connection out of rotation
MAIN = """# Written by ops/nginx.py for the team demo; the site itself is orderhub.conf.
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {home}/tmp/body;
    proxy_temp_path {home}/tmp/proxy;
    fastcgi_temp_path {home}/tmp/fastcgi;
    uwsgi_temp_path {home}/tmp/uwsgi;
    scgi_temp_path {home}/tmp/scgi;
    include {home}/orderhub.conf;
}}
"""


def site(listen: str, replicas: list[int], access_log: Path) -> str:
    """The deploy/ template with the demo's values, exactly as envsubst would render it."""
    upstreams = " ".join(f"server 127.0.0.1:{port} max_fails=1 fail_timeout={FAIL_TIMEOUT}s;" for port in replicas)
    values = {"ORDERHUB_LISTEN": listen, "ORDERHUB_ACCESS_LOG": str(access_log), "ORDERHUB_UPSTREAMS": upstreams}
    return Template(TEMPLATE.read_text()).safe_substitute(values)  # nginx's own $variables stay


def binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        raise FileNotFoundError("nginx is not installed (apt-get install nginx-light).")
    return found


def configure(home: Path, port: int, replicas: list[int]) -> list[str]:
    """Write the configs under home; returns the command that runs nginx in the foreground."""
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    (home / "orderhub.conf").write_text(site(f"127.0.0.1:{port}", replicas, home / "access.log"))
    (home / "nginx.conf").write_text(MAIN.format(home=home))
    command = [binary(), "-p", str(home), "-c", str(home / "nginx.conf"), "-g", "daemon off;"]
    subprocess.run([*command[:-2], "-t", "-q"], check=True, capture_output=True, text=True)
    return command
