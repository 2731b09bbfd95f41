"""Build ``NotoSansCJKsc-Regular-GBK.ttf``, the font every PDF of VillageBooks embeds.

PDFs must show their Chinese text on a machine without any Chinese font, so the font travels
inside the package and a subset of it inside each PDF. The source is Noto Sans CJK SC Regular
(SIL Open Font License 1.1), e.g. Debian's ``fonts-noto-cjk``. The build keeps the characters
the books can contain (ASCII, GB2312, the whole GBK set, the characters of the 通用规范汉字表 that
GBK lacks, which appear in names, and every non-ASCII character of the project's own sources) and
converts the CFF outlines to TrueType (glyf) ones: PDF writers and readers handle a TrueType
CIDFont (``FontFile2``, Identity-H) everywhere, and text copied or extracted from it comes out
right in every reader tried. Layout tables (GSUB, GPOS, vertical metrics) are dropped: the PDFs
set horizontal text without shaping.

Run from the repository root (needs fontTools, which fpdf2 brings):
    python villagebooks/data/fonts/make_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parents[1]
TARGET = HERE / "NotoSansCJKsc-Regular-GBK.ttf"
FACE = "Noto Sans CJK SC"
FAMILY = "Noto Sans CJK SC GBK"
POSTSCRIPT_NAME = "NotoSansCJKsc-Regular-GBK"
# cu2qu's recommended tolerance (unitsPerEm / 1000): 0.01 pt at a 10 pt size, invisible.
MAX_ERROR = 1.0

# Characters of the 通用规范汉字表 (2013) outside GBK: rare characters of personal and place names
# (刘䶮, 喆 is in GBK already). Those the source font lacks are skipped.
STANDARD_OUTSIDE_GBK = (
    "㧐㧟䏝𬉼㤘䥽𠳐䁖䦃𥻗㸆𠙶𬣙𨙸𬇕䜣𬣞𬘓𫭟𫭢㧑𫇭𫐄𫵷㕮㑇𣲘𣲗𬇙㳇𬣡𫸩䢺𨚕𫘜𬘘𫘝䢼𦭜㭎𬨂𬀩𬀪㟃𬬩"
    "㑊𫍣𬣳𬩽𬮿𬯀𫰛𬳵𬳶䌹𫠊㛃𬍛鿍𬜬𦰡㭕䴓䶮𪾢𪨰𫓧𬬮𬬱𬬭䏡𦙶㶲㳚㳘𬘡𬳽𬘩𫄧𪟝𬍤𫭼𬜯䓖𬂩𫠆𨐈𬌗𫑡𪨶"
    "𬬸𬬻𬬹𬬿𬭁𫢸𫗧𬊈𬒈𨺙㛚𬳿𫄨𬘫䂮𫮃㙍䓫䓬䓨䓛鿎䴕㫰𬱖𬟽䎃𫓯𫟹𫟼㿠䝙䏲𠅤䴔𬇹𬍡㥄𬤇𫍯𬤊𫍲𬯎𬘬𬘭"
    "𬴂𫘦𫟅𬘯𫘧㙘𪣻𡎚𬃊𬷕𫐐𬹼𧿹𫶇𫖮鿏𬭊𨱇𫓶𬭎𫖯䐃𬱟𫛭㺄𫷷𬮱𬊤𣸣㴔㛹𬴃𫘨䴖𤧛𬪩𬒔䃅𬨎𫐓䣘𫫇㬊𫓹"
    "𬭚𬭛䅟𬕂䲟𬶋𬶍𦝼𫔶𫌀𫖳𫘪𫘬𫞩𡐓𪤗𣗋𬸘䃎𬒗𥔲𫚖䴗㬎𨱏𬭤㙦𫚕𬶐𬶏𩽾𬸚㽏㮾𬤝𬙂㻬䗖㠇𬭩䴘𩾃㵐𬸣𫍽"
    "𬴊𬞟𥕢𫟦𬺈𫠜㬚䗛㠓𪩘𬭬𨱑𬭯𫄷𤩽㘎𬭳𬭶𫔍𬭸𨱔𬭼𫔎𬸪䲠𬶟𬶠䗪𬶨𦈡𫄸𬟁𥖨䗴䲢𦒍䎖䴙𬙊㰀𬶭𩾌𨟠𬶮"
    "𨭉㸌𬙋𤫉𬺓𫚭"
)
# Signs that money and dates use and that GBK does not hold.
EXTRA_SIGNS = "¥€−–—…‰№〇·×÷±°"


def double_byte_set(codec: str) -> set[str]:
    """Every character a two-byte code of ``codec`` decodes to."""
    found = set()
    for high in range(0x81, 0xFF):
        for low in range(0x40, 0xFF):
            try:
                text = bytes([high, low]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(text)
    return found


def project_characters() -> set[str]:
    """Non-ASCII characters of the project's sources, data and templates."""
    found: set[str] = set()
    for path in PACKAGE.rglob("*"):
        if path.is_file() and path.suffix in {".py", ".csv", ".json", ".html", ".txt", ".md"}:
            found |= {ch for ch in path.read_text(encoding="utf-8", errors="ignore") if ord(ch) > 0x7E}
    return found


def wanted_characters() -> set[str]:
    ascii_printable = {chr(code) for code in range(0x20, 0x7F)}
    return (
        ascii_printable
        | double_byte_set("gb2312")
        | double_byte_set("gbk")
        | set(STANDARD_OUTSIDE_GBK)
        | set(EXTRA_SIGNS)
        | project_characters()
    )


def open_face(source: Path) -> TTFont:
    if source.suffix.lower() in {".ttc", ".otc"}:
        for font in TTCollection(str(source)).fonts:
            if font["name"].getDebugName(4) == FACE:
                return font
        raise SystemExit(f"{source} has no face named {FACE!r}")
    return TTFont(str(source))


def subset_font(font: TTFont, characters: set[str]) -> None:
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"]
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in characters])
    subsetter.subset(font)


def cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF outlines by quadratic TrueType ones (what fontTools' otf2ttf does)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp
    font["post"].formatType = 3.0  # no glyph names: readers map text through cmap and ToUnicode
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


def rename(font: TTFont) -> None:
    """A modified font gets its own name (OFL §3), so it is never mistaken for the full one."""
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 3:
            names.setName(
                f"{record.toUnicode()};{POSTSCRIPT_NAME}",
                3,
                record.platformID,
                record.platEncID,
                record.langID,
            )
        elif record.nameID == 6:
            names.setName(POSTSCRIPT_NAME, 6, record.platformID, record.platEncID, record.langID)
    names.setName(
        "Subset of Noto Sans CJK SC Regular (ASCII, GB2312, GBK and more) with TrueType outlines, "
        "made for VillageBooks PDFs.",
        10,
        3,
        1,
        0x409,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc or NotoSansCJKsc-Regular.otf")
    parser.add_argument("--output", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    font = open_face(args.source)
    available = set(font.getBestCmap())
    characters = {ch for ch in wanted_characters() if ord(ch) in available}
    subset_font(font, characters)
    cff_to_glyf(font)
    rename(font)
    font.recalcTimestamp = False  # the same source gives the same file
    font.save(str(args.output))
    print(
        f"{args.output}: {len(characters)} characters, {args.output.stat().st_size:,} bytes", file=sys.stderr
    )


if __name__ == "__main__":
    main()
