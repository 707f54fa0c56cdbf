"""Remote engines: OpenAI-compatible servers elsewhere (vLLM, llama-server, Ollama, LM Studio,
another Hearth) whose models Hearth chats with as it does with local ones.

`parse_endpoint_url` checks an address, `RemoteClient` lists an endpoint's models and streams
answers (stop closes the connection), `remote_answer` gives one answer with the local engine's
text form (`<think>` for reasoning) and statistics. Every failure is a `models.errors.RemoteError`
with one sentence. Plain Python over http.client; the API key never reaches a log line.
"""

from models.remote.answer import remote_answer, sampling_from
from models.remote.client import MAX_STREAM_BYTES, RemoteClient, Timeouts
from models.remote.endpoint import EndpointUrl, check_endpoint_name, is_loopback_host, parse_endpoint_url

__all__ = [
    "MAX_STREAM_BYTES",
    "EndpointUrl",
    "RemoteClient",
    "Timeouts",
    "check_endpoint_name",
    "is_loopback_host",
    "parse_endpoint_url",
    "remote_answer",
    "sampling_from",
]
