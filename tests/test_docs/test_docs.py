"""The documentation names only what exists, and the model index covers
every config.

Checked, without building anything (a few hundred milliseconds):

* every repository path (``configs/...``, ``tools/...``, ``slimmm/...``,
  ``docs/...``, ...), every config or tool named by file name, and every
  relative link (with its ``#anchor``) in README.md, docs/**/*.md and the
  config folders' README.md files exists;
* every config under ``configs/`` (except ``_base_`` folders) is a model of
  a metafile that ``model-index.yml`` imports, and every config folder has
  its README.md and metafile.yml;
* the README's two set-up commands are the ones CI (``.ci/run``) and the
  main job run;
* README.md is a front page of at most 200 lines.
"""
import fnmatch
import glob
import itertools
import os
import os.path as osp
import re
from typing import Dict, Iterator, List, Set, Tuple

import pytest
import yaml

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
README_MAX_LINES = 200
SETUP_COMMANDS = ['bash tools/run_demo.sh', 'bash tools/run_tests.sh']
#: Top-level folders and files whose paths the documents may name.
ROOTS = ('configs', 'tools', 'slimmm', 'tests', 'docs', 'requirements',
         '.ci')
ROOT_FILES = ('README.md', 'LICENSE', 'CITATION.cff', 'setup.py',
              'setup.cfg', 'MANIFEST.in', 'model-index.yml')
#: Written by ``pip install`` (setup.py), not part of the repository.
GENERATED = ('slimmm/.mim',)
#: A path that is a pattern or an example, not a file to check.
PLACEHOLDER = re.compile(r'\.\.\.|<|>|[A-Z]{3,}')

REPO_PATH = re.compile(r'(?<![\w./:-])((?:%s)/[\w.*{},/-]*)' % '|'.join(
    re.escape(name) for name in ROOTS))
FILE_NAME = re.compile(r'(?<![\w./:*{},-])([\w*{},.-]+\.(?:py|sh))(?![\w/])')
LINK = re.compile(r'\]\(([^)\s]+)\)')


def documents() -> List[str]:
    """README.md, the manual and the config folders' READMEs."""
    paths = [osp.join(ROOT, 'README.md')]
    paths += glob.glob(osp.join(ROOT, 'docs', '**', '*.md'), recursive=True)
    paths += glob.glob(osp.join(ROOT, 'configs', '**', 'README.md'),
                       recursive=True)
    return sorted(paths)


def expand_braces(text: str) -> List[str]:
    """``a_{b,c}.{md,csv}`` -> the four names, as the shell expands them."""
    parts = re.split(r'\{([^{}]*)\}', text)
    choices = [[part] if i % 2 == 0 else part.split(',')
               for i, part in enumerate(parts)]
    return [''.join(combo) for combo in itertools.product(*choices)]


def repository_files() -> Tuple[Set[str], Set[str]]:
    """Relative paths of the repository's files and folders, and the file
    names (``*.py`` / ``*.sh``) found anywhere in it."""
    paths, names = set(), set()
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(('.git', '__py'))
                   and d not in ('work_dirs', 'data', 'build', '.mim')]
        rel = osp.relpath(folder, ROOT)
        if rel != '.':
            paths.add(rel.replace(os.sep, '/'))
        for name in files:
            path = name if rel == '.' else osp.join(rel, name)
            paths.add(path.replace(os.sep, '/'))
            names.add(name)
    return paths, names


def anchors(markdown: str) -> Set[str]:
    """GitHub's anchors of a Markdown file's headings."""
    result = set()
    for line in markdown.splitlines():
        heading = re.match(r'#+\s+(.*)', line)
        if heading:
            text = re.sub(r'[`*_]', '', heading.group(1).strip().lower())
            result.add(re.sub(r'[^\w\- ]', '', text).replace(' ', '-'))
    return result


def named_in(path: str) -> Iterator[Tuple[str, str]]:
    """(kind, name) for every repository path, file name and relative link
    in one document."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    for match in LINK.finditer(text):
        yield 'link', match.group(1)
    for match in REPO_PATH.finditer(text):
        yield 'path', match.group(1).rstrip('.,')
    for match in FILE_NAME.finditer(text):
        yield 'name', match.group(1)


def missing_names(path: str, paths: Set[str], names: Set[str]) -> List[str]:
    problems = []
    for kind, name in named_in(path):
        if kind == 'link':
            if re.match(r'[a-z]+:', name) or name.startswith('#'):
                continue  # web addresses; anchors of the page itself
            target, _, anchor = name.partition('#')
            full = osp.normpath(osp.join(osp.dirname(path), target))
            if not osp.exists(full):
                problems.append(f'link {name}')
            elif anchor and full.endswith('.md'):
                with open(full, encoding='utf-8') as f:
                    if anchor not in anchors(f.read()):
                        problems.append(f'anchor {name}')
            continue
        if PLACEHOLDER.search(name):
            continue
        for candidate in expand_braces(name):
            candidate = candidate.rstrip('/')
            if kind == 'path':
                if candidate.startswith(GENERATED):
                    continue
                found = (fnmatch.filter(paths, candidate)
                         if '*' in candidate else candidate in paths)
            else:
                found = (fnmatch.filter(names, candidate)
                         if '*' in candidate else candidate in names)
            if not found:
                problems.append(f'{kind} {candidate}')
    return problems


@pytest.fixture(scope='module')
def repository():
    return repository_files()


@pytest.mark.parametrize(
    'document', documents(), ids=lambda p: osp.relpath(p, ROOT))
def test_named_paths_exist(document, repository):
    paths, names = repository
    problems = missing_names(document, paths, names)
    assert not problems, (
        f'{osp.relpath(document, ROOT)} names what the repository does not '
        f'have: {problems}. Fix the name, or add the file.')


def test_the_checker_finds_missing_names(tmp_path, repository):
    """The check above can fail: a made-up config, tool, link and anchor
    are reported, real ones are not."""
    paths, names = repository
    page = tmp_path / 'page.md'
    page.write_text(
        'Run `tools/train.py` on `configs/us3l/us3l_us-r18_1xb32-tiny.py`\n'
        'and `requirements/{runtime,tests}.txt`, not on\n'
        '`configs/us3l/us3l_no-such-config.py` or `no_such_tool.sh`;\n'
        f'see [it]({ROOT}/docs/index.md#get-started), not\n'
        f'[that]({ROOT}/docs/missing.md) or [this]({ROOT}/README.md#nope).\n')
    assert missing_names(str(page), paths, names) == [
        f'link {ROOT}/docs/missing.md', f'anchor {ROOT}/README.md#nope',
        'path configs/us3l/us3l_no-such-config.py', 'name no_such_tool.sh']


def load_yaml(path: str):
    with open(osp.join(ROOT, path), encoding='utf-8') as f:
        return yaml.safe_load(f)


def metafile_models() -> Dict[str, List[dict]]:
    """The models of every metafile that model-index.yml imports."""
    return {path: load_yaml(path).get('Models') or []
            for path in load_yaml('model-index.yml')['Import']}


def experiment_configs() -> List[str]:
    """Every config under configs/ except the inherited _base_ pieces."""
    return sorted(
        osp.relpath(path, ROOT).replace(os.sep, '/')
        for path in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                              recursive=True)
        if '_base_' not in path.split(os.sep))


def test_every_config_is_in_a_metafile():
    models = metafile_models()
    listed = {model['Config'] for entries in models.values()
              for model in entries}
    unlisted = [path for path in experiment_configs() if path not in listed]
    assert not unlisted, (
        f'configs missing from the model index: {unlisted}. Add each to '
        'the metafile.yml of its folder (imported by model-index.yml).')
    gone = sorted(path for path in listed if not osp.isfile(
        osp.join(ROOT, path)))
    assert not gone, f'metafiles list configs that do not exist: {gone}'


def test_metafiles_are_complete():
    models = metafile_models()
    folders = {osp.dirname(path) for path in experiment_configs()}
    assert folders == {osp.dirname(path) for path in models}, (
        'every config folder needs a metafile.yml imported by '
        'model-index.yml')
    names = []
    for path, entries in models.items():
        folder = osp.dirname(path)
        assert osp.isfile(osp.join(ROOT, folder, 'README.md')), folder
        collections = {c['Name']: c
                       for c in load_yaml(path).get('Collections') or []}
        for collection in collections.values():
            assert osp.isfile(osp.join(ROOT, collection['README']))
        for model in entries:
            assert model['In Collection'] in collections, (path, model)
            assert osp.dirname(model['Config']) == folder, (path, model)
            assert model['Name'] == osp.basename(model['Config'])[:-3]
            names.append(model['Name'])
    assert len(names) == len(set(names)), 'model names must be unique'


def fenced_blocks_after(markdown: str, heading: str) -> List[List[str]]:
    """The command lines of the fenced code blocks of one section."""
    section = markdown.split(heading + '\n', 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'```\w*\n(.*?)```', section, flags=re.S)
    return [[line.strip() for line in block.splitlines()
             if line.strip() and not line.strip().startswith('#')]
            for block in blocks]


def script_commands(path: str) -> List[str]:
    with open(osp.join(ROOT, path), encoding='utf-8') as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith('#')]


def test_readme_setup_commands_are_what_ci_and_the_demo_run():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        readme = f.read()
    blocks = fenced_blocks_after(readme, '## Set up and run')
    assert blocks and blocks[0] == SETUP_COMMANDS, blocks
    # CI runs the README's test command, nothing else.
    assert 'bash tools/run_tests.sh' in script_commands('.ci/run')
    # Both commands install through the same set-up script, then run the
    # suite and the main job respectively.
    tests, demo = (script_commands('tools/run_tests.sh'),
                   script_commands('tools/run_demo.sh'))
    assert 'bash tools/setup_env.sh' in tests
    assert 'bash tools/setup_env.sh' in demo
    assert any('-m pytest tests' in line for line in tests)
    assert any('tools/benchmarks/main_job.py' in line for line in demo)


def test_readme_is_a_front_page():
    with open(osp.join(ROOT, 'README.md'), encoding='utf-8') as f:
        lines = f.read().splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f'README.md has {len(lines)} lines; keep it within '
        f'{README_MAX_LINES} and move reference material into docs/')


def setup_py_functions(here: str) -> dict:
    """The mim packaging helpers of setup.py, without running setup()."""
    import ast
    with open(osp.join(ROOT, 'setup.py'), encoding='utf-8') as f:
        tree = ast.parse(f.read())
    keep = [node for node in tree.body
            if isinstance(node, (ast.Import, ast.ImportFrom))
            or isinstance(node, ast.FunctionDef)
            and node.name in ('mim_install_mode', 'add_mim_extension')
            or isinstance(node, ast.Assign) and any(
                getattr(t, 'id', '') == 'MIM_FILES' for t in node.targets)]
    scope = {'HERE': here}
    exec(compile(ast.Module(keep, type_ignores=[]), 'setup.py', 'exec'),
         scope)
    return scope


@pytest.mark.parametrize('command', ['bdist_wheel', 'develop'])
def test_setup_packs_configs_tools_and_model_index_for_mim(tmp_path,
                                                           command):
    """``pip install .`` copies and ``pip install -e .`` links configs/,
    tools/ and model-index.yml into slimmm/.mim/, where openmim looks."""
    for name in ('configs/slimclr', 'tools', 'slimmm'):
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / 'configs/slimclr/a.py').write_text('x = 1\n')
    (tmp_path / 'tools/train.py').write_text('')
    (tmp_path / 'model-index.yml').write_text('Import: []\n')
    setup = setup_py_functions(str(tmp_path))
    mode = setup['mim_install_mode'](['setup.py', command])
    assert mode == ('copy' if command == 'bdist_wheel' else 'symlink')
    assert setup['mim_install_mode'](['setup.py', 'egg_info']) is None
    setup['add_mim_extension'](mode)
    setup['add_mim_extension'](mode)  # a rebuild replaces, never nests
    mim = tmp_path / 'slimmm' / '.mim'
    assert sorted(p.name for p in mim.iterdir()) == [
        'configs', 'model-index.yml', 'tools']
    assert (mim / 'configs/slimclr/a.py').read_text() == 'x = 1\n'
    assert (mim / 'tools/train.py').is_file()
    assert not (mim / 'configs/configs').exists()
    assert (mim / 'configs').is_symlink() == (mode == 'symlink')
    # The wheel takes them only if MANIFEST.in lists them.
    with open(osp.join(ROOT, 'MANIFEST.in'), encoding='utf-8') as f:
        manifest = f.read()
    for name in setup['MIM_FILES']:
        assert f'slimmm/.mim/{name}' in manifest, name
