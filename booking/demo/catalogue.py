"""Real Liaoning universities and the kinds of instruments their testing centres run."""
from __future__ import annotations

# code, Chinese name, English name, campuses: (name, city, lat, lon)
UNIVERSITIES = (
    ("NEU", "东北大学", "Northeastern University",
     (("南湖校区 Nanhu", "Shenyang", 41.7656, 123.4199), ("浑南校区 Hunnan", "Shenyang", 41.6565, 123.4926))),
    ("DUT", "大连理工大学", "Dalian University of Technology",
     (("凌水主校区 Lingshui", "Dalian", 38.8813, 121.5276), ("开发区校区 Development Zone", "Dalian", 39.0869, 121.8179))),
    ("LNU", "辽宁大学", "Liaoning University",
     (("崇山校区 Chongshan", "Shenyang", 41.8331, 123.4045), ("蒲河校区 Puhe", "Shenyang", 41.9375, 123.3933))),
    ("CMU", "中国医科大学", "China Medical University", (("沈北校区 Shenbei", "Shenyang", 41.9483, 123.4158),)),
    ("DLMU", "大连海事大学", "Dalian Maritime University", (("凌海路校区 Linghai Road", "Dalian", 38.8695, 121.5290),)),
    ("SUT", "沈阳工业大学", "Shenyang University of Technology", (("中央校区 Central", "Shenyang", 41.7420, 123.2386),)),
    ("LNNU", "辽宁师范大学", "Liaoning Normal University", (("黄河路校区 Huanghe Road", "Dalian", 38.9116, 121.5989),)),
    ("SYPU", "沈阳药科大学", "Shenyang Pharmaceutical University", (("文化路校区 Wenhua Road", "Shenyang", 41.7679, 123.4269),)),
)

# category, name, manufacturer, model, original value (CNY), kind, internal and external rate per hour
INSTRUMENTS = (
    ("electron_microscopy.sem", "Field-emission scanning electron microscope", "ZEISS", "Sigma 300", 3_200_000, "general", 300, 450),
    ("electron_microscopy.tem", "Transmission electron microscope", "JEOL", "JEM-2100F", 9_800_000, "special", 800, 1200),
    ("xrd", "X-ray diffractometer", "Bruker", "D8 Advance", 2_100_000, "general", 200, 320),
    ("nmr", "NMR spectrometer 400 MHz", "Bruker", "AVANCE NEO 400", 4_500_000, "general", 350, 500),
    ("mass_spectrometry.lcms", "High-resolution LC-MS/MS", "Thermo Fisher", "Orbitrap Exploris 480", 5_600_000, "special", 600, 900),
    ("mass_spectrometry.gcms", "Gas chromatograph–mass spectrometer", "Agilent", "8890-5977B", 1_200_000, "general", 180, 260),
    ("chromatography.hplc", "High-performance liquid chromatograph", "Agilent", "1260 Infinity II", 420_000, "general", 80, 120),
    ("spectroscopy.ftir", "FTIR spectrometer", "Thermo Fisher", "Nicolet iS50", 650_000, "general", 100, 150),
    ("spectroscopy.raman", "Confocal Raman microscope", "HORIBA", "LabRAM HR Evolution", 1_800_000, "general", 220, 330),
    ("thermal_analysis", "Simultaneous TGA/DSC analyser", "Mettler Toledo", "TGA/DSC 3+", 560_000, "general", 120, 180),
    ("cell_analysis.flow", "Flow cytometer", "BD Biosciences", "FACSCelesta", 2_300_000, "general", 260, 380),
    ("cell_analysis.confocal", "Laser scanning confocal microscope", "Leica", "STELLARIS 5", 4_200_000, "general", 320, 480),
    ("sequencing", "Next-generation sequencer", "Illumina", "NovaSeq 6000", 7_500_000, "special", 900, 1300),
    ("surface_analysis.xps", "X-ray photoelectron spectrometer", "Thermo Fisher", "ESCALAB Xi+", 6_200_000, "special", 700, 1000),
    ("microfabrication.cleanroom", "Cleanroom bay (ISO class 6)", None, None, 1_500_000, "general", 150, 220),
)

OFFICE_HOURS = {day: [["08:00", "21:00"]] for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["09:00", "17:00"]]}
