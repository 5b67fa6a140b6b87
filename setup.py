from setuptools import find_packages, setup

setup(
    name="pypipins",
    version="0.1.0",
    description="PyPI badges served by a Twisted daemon, as pypip.in once did.",
    long_description=open("README.rst", encoding="utf-8").read(),
    long_description_content_type="text/x-rst",
    license="MIT",
    python_requires=">=3.9",
    # twisted.plugins has no __init__.py (it must not: uninstalling would delete Twisted's
    # own), so find_packages() cannot see it.
    packages=find_packages(include=["pypipins", "pypipins.*"]) + ["twisted.plugins"],
    # A path entry for editable installs, which a default (import-hook) editable install
    # lacks, and without which Twisted cannot find the plugin.
    package_dir={"": "."},
    package_data={
        "pypipins.render": ["*.json", "*.json.gz", "*.txt"],
        "pypipins.web": ["templates/*.xml", "static/*.css", "static/*.js"],
    },
    install_requires=[
        "Twisted[tls]>=22.10",
        "treq>=22.1",
        "klein>=21.8",
        "Werkzeug>=2.2",
        "txredisapi>=1.4.10",
        "attrs>=22.1",
        "packaging>=22",
        'msgspec>=0.18; platform_python_implementation == "CPython"',
        "resvg-py>=0.2",
        "Pillow>=10",
    ],
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Framework :: Twisted",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: Implementation :: CPython",
        "Programming Language :: Python :: Implementation :: PyPy",
    ],
)
