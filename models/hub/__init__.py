"""The Hugging Face Hub: search and listings, verified resumable transfers and the download queue."""

from models.hub.client import (
    HubClient,
    RemoteFile,
    RemoteModel,
    RepoListing,
    RepoSummary,
    gated_message,
    group_files,
    hub_endpoint,
    offline_mode,
    translate_errors,
)
from models.hub.downloads import DownloadManager, DownloadProgress, DownloadRequest
from models.hub.jobs import JobState
from models.hub.transfer import DownloadSettings

__all__ = [
    "DownloadManager",
    "DownloadProgress",
    "DownloadRequest",
    "DownloadSettings",
    "HubClient",
    "JobState",
    "RemoteFile",
    "RemoteModel",
    "RepoListing",
    "RepoSummary",
    "gated_message",
    "group_files",
    "hub_endpoint",
    "offline_mode",
    "translate_errors",
]
