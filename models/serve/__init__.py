"""``tensorgrad serve``: a local web app to draw digits and see what a trained run sees.

catalog.py    the runs offered (a runs folder, or one checkpoint) and safe lookup by name
inputs.py     request bodies (PNG/JPEG bytes, or JSON pixels) -> prepared 28x28 digits, limits
inference.py  the models, one forward pass at a time; feature maps; each run's test set
app.py        the Starlette app: the page and its JSON API
server.py     uvicorn on a socket bound first (clear errors), and a background server for tests
command.py    the CLI subcommand
static/       the page: plain HTML, CSS and JavaScript, nothing fetched from elsewhere

Nothing is imported here, so that the CLI starts without loading the web stack.
"""
