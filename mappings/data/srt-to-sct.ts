/**
 * SNOMED-RT style identifiers (designator `SRT`, retired by DICOM in 2019) -> SNOMED CT
 * concept ids, for the concepts that occur in imaging SR templates (TID 1500/1501/300,
 * CID 244/4031 and the measurement CIDs). Source: the SRT/SCT pairs in PS3.16
 * (Annex O "SNOMED Concept ID to SNOMED ID Mapping" and the context groups listing both).
 * Codes not listed stay in `http://snomed.info/srt` with a warning (spec 2.1).
 */
export const SRT_TO_SCT: Readonly<Record<string, string>> = {
  // Template concept names
  'G-C0E3': '363698007', // Finding Site
  'G-C171': '272741003', // Laterality
  'G-A1F8': '106233006', // Topographical modifier
  'G-C036': '370129005', // Measurement Method
  // Laterality values (CID 244)
  'G-A100': '24028007', // Right
  'G-A101': '7771000', // Left
  'G-A102': '51440002', // Right and left
  'G-A103': '66459002', // Unilateral
  // Measurement concepts (CID 7470-7472 and related)
  'G-D7FE': '410668003', // Length
  'G-A166': '42798000', // Area
  'G-A16A': '131184002', // Area of defined region
  'G-D705': '118565006', // Volume
  'M-02550': '81827009', // Diameter
  'M-02560': '74551000', // Circumference
  'G-A185': '103339001', // Long Axis
  'G-A186': '103340004', // Short Axis
  'G-A193': '131187009', // Major Axis
  'G-A194': '131188004', // Minor Axis
  'G-A196': '131190003', // Radius
  'G-A460': '17621005', // Normal
  'R-0038B': '371933006', // Normal Range Upper Limit (CID 223)
  'R-41F90': '385524004', // Normal Range Lower Limit (CID 223)
  'M-03010': '27925004', // Nodule
  // Anatomy (CID 4031 pairs)
  'T-15420': '85856004', 'T-15750': '70258002', 'T-59900': '53505006', 'T-74000': '89837001',
  'T-04000': '76752008', 'T-26000': '955009', 'T-11501': '122494005', 'T-11502': '122495006',
  'T-11503': '122496007', 'T-D00F7': '297171002', 'T-D0010': '38266002', 'T-15430': '16953009',
  'T-D8500': '14975008', 'T-D9700': '56459004', 'T-D8700': '85562004', 'T-D1100': '69536005',
  'T-D1000': '774007', 'T-32000': '80891009', 'T-15710': '24136001', 'T-D2500': '29836001',
  'T-D9200': '72696002', 'T-D9400': '30021000', 'T-D1600': '45048000', 'T-92000': '41216001',
  'T-28000': '39607008', 'T-A7010': '2748008', 'T-12310': '51299004', 'T-11BF0': '64688005',
  'T-59300': '71854001', 'T-56000': '32849002', 'T-D0300': '66019005', 'T-AA000': '81745001',
  'T-12710': '71341001', 'T-12750': '87342007', 'T-D8800': '7569003', 'T-63000': '28231008',
  'T-12410': '85050009', 'T-58600': '34516001', 'T-12340': '22356005', 'T-58400': '21306003',
  'T-59000': '14742008', 'T-24100': '4596009', 'T-D9000': '61685007', 'T-11180': '91609006',
  'T-11170': '70925003', 'T-D3300': '72410000', 'T-65000': '15776009', 'T-12730': '64234005',
  'T-59600': '34402009', 'T-11300': '113197003', 'T-15680': '39723000', 'T-11AD0': '54735007',
  'T-12280': '79601000', 'T-A0100': '12738006', 'T-D3000': '51185008', 'T-62000': '10200004',
  'T-71000': '64033007', 'T-C3000': '78961009', 'T-57000': '69695003', 'T-B6000': '69748006',
};
