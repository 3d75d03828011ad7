; servin for Windows: the desktop GUI and the remote-API client configuration.
;
; servin's runtime is Linux-only; on Windows the GUI is a client of a servin
; host's Docker Engine API over TLS. This installer puts the launcher, the
; configuration (servin-remote.ini: host and certificates, asked on a page
; of its own or given as /HOST= and /CERTS=) and, when the build has it, the
; GUI (servin-gui.pyz) into the install folder; it needs admin rights,
; writes its keys under HKLM and registers an uninstaller.
;
; Built by installers/windows/mkdist.sh with Debian's makensis, warnings
; being errors:
;   makensis -WX -DVERSION=0.1.0 -DPAYLOAD=dir -DOUTFILE=setup.exe [-DHAVE_GUI] servin.nsi

Unicode true
ManifestDPIAware true

!ifndef VERSION
!error "define VERSION (makensis -DVERSION=x.y.z)"
!endif
!ifndef PAYLOAD
!error "define PAYLOAD, the folder of files to install"
!endif
!ifndef OUTFILE
!error "define OUTFILE, the setup program to write"
!endif

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "nsDialogs.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

!define PRODUCT "servin"
!define REGKEY "Software\servin"
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\servin"

Name "${PRODUCT} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\servin"
InstallDirRegKey HKLM "${REGKEY}" "InstallDir"
RequestExecutionLevel admin
SetCompressor /SOLID lzma
BrandingText "${PRODUCT} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

VIProductVersion "${VERSION}.0"
VIAddVersionKey "ProductName" "${PRODUCT}"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "servin setup: desktop GUI and remote API client"
VIAddVersionKey "LegalCopyright" "servin maintainers, Apache License 2.0"

Var Host
Var Certs
Var HostField
Var CertsField

!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TITLE "Welcome to ${PRODUCT} ${VERSION}"
!define MUI_WELCOMEPAGE_TEXT "servin runs containers on Linux. On Windows, this setup installs the servin client side: the remote API configuration that points at your servin host, the launcher of the servin desktop GUI, and the GUI itself when this build has it.$\r$\n$\r$\nSetup needs administrator rights.$\r$\n$\r$\nClick Next to continue."
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${PAYLOAD}\LICENSE.txt"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
Page custom RemotePage RemotePageLeave
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_SHOWREADME "$INSTDIR\README.txt"
!define MUI_FINISHPAGE_SHOWREADME_TEXT "Show how to connect to a servin host"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

Function .onInit
	UserInfo::GetAccountType
	Pop $0
	${If} $0 != "admin"
		MessageBox MB_ICONSTOP|MB_OK "Administrator rights are needed to install ${PRODUCT}." /SD IDOK
		SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
		Quit
	${EndIf}
	${If} ${RunningX64}
		SetRegView 64
	${EndIf}
	${GetParameters} $R0
	ClearErrors
	${GetOptions} $R0 "/HOST=" $Host
	${If} ${Errors}
		ReadRegStr $Host HKLM "${REGKEY}" "Host"
	${EndIf}
	ClearErrors
	${GetOptions} $R0 "/CERTS=" $Certs
	${If} ${Errors}
		ReadRegStr $Certs HKLM "${REGKEY}" "CertificateFolder"
	${EndIf}
FunctionEnd

Function un.onInit
	UserInfo::GetAccountType
	Pop $0
	${If} $0 != "admin"
		MessageBox MB_ICONSTOP|MB_OK "Administrator rights are needed to remove ${PRODUCT}." /SD IDOK
		SetErrorLevel 740
		Quit
	${EndIf}
	${If} ${RunningX64}
		SetRegView 64
	${EndIf}
FunctionEnd

; The servin host and the folder of its certificates.
Function RemotePage
	!insertmacro MUI_HEADER_TEXT "servin host" "Where the servin GUI connects to"
	nsDialogs::Create 1018
	Pop $0
	${If} $0 == error
		Abort
	${EndIf}
	${If} $Certs == ""
		StrCpy $Certs "$INSTDIR\certs"
	${EndIf}
	${NSD_CreateLabel} 0 0 100% 36u "The address of the servin host's API, https://HOST:2376, served there by 'servin serve --tcp 0.0.0.0:2376 --tls-cert ... --tls-key ... --tls-ca ...'. It can be set later in servin-remote.ini."
	Pop $0
	${NSD_CreateText} 0 40u 100% 12u "$Host"
	Pop $HostField
	${NSD_CreateLabel} 0 62u 100% 24u "The folder holding ca.pem, cert.pem and key.pem: the CA of the host and this client's certificate and key."
	Pop $0
	${NSD_CreateText} 0 88u 100% 12u "$Certs"
	Pop $CertsField
	nsDialogs::Show
FunctionEnd

Function RemotePageLeave
	${NSD_GetText} $HostField $Host
	${NSD_GetText} $CertsField $Certs
	${If} $Host != ""
		StrCpy $0 $Host 8
		${If} $0 != "https://"
			MessageBox MB_ICONEXCLAMATION|MB_OK "The address must look like https://HOST:2376." /SD IDOK
			Abort
		${EndIf}
	${EndIf}
FunctionEnd

Section "Remote API client configuration (required)" SecConfig
	SectionIn RO
	SetOutPath "$INSTDIR"
	File "${PAYLOAD}\LICENSE.txt"
	File "${PAYLOAD}\README.txt"
	File "${PAYLOAD}\servin-gui.cmd"
	${If} $Certs == ""
		StrCpy $Certs "$INSTDIR\certs"
	${EndIf}
	; the commented template, then this machine's values; an existing
	; configuration is kept
	${IfNot} ${FileExists} "$INSTDIR\servin-remote.ini"
		File "${PAYLOAD}\servin-remote.ini"
	${EndIf}
	WriteINIStr "$INSTDIR\servin-remote.ini" "remote" "api" "$Host"
	WriteINIStr "$INSTDIR\servin-remote.ini" "remote" "tls_ca" "$Certs\ca.pem"
	WriteINIStr "$INSTDIR\servin-remote.ini" "remote" "tls_cert" "$Certs\cert.pem"
	WriteINIStr "$INSTDIR\servin-remote.ini" "remote" "tls_key" "$Certs\key.pem"
	CreateDirectory "$Certs"

	WriteUninstaller "$INSTDIR\uninstall.exe"
	WriteRegStr HKLM "${REGKEY}" "InstallDir" "$INSTDIR"
	WriteRegStr HKLM "${REGKEY}" "Version" "${VERSION}"
	WriteRegStr HKLM "${REGKEY}" "Host" "$Host"
	WriteRegStr HKLM "${REGKEY}" "CertificateFolder" "$Certs"
	WriteRegStr HKLM "${REGKEY}" "Config" "$INSTDIR\servin-remote.ini"
	WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "${PRODUCT}"
	WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "servin maintainers"
	WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
	WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
	WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
	WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
SectionEnd

!ifdef HAVE_GUI
Section "servin desktop GUI" SecGui
	SetOutPath "$INSTDIR"
	File "${PAYLOAD}\servin-gui.pyz"
SectionEnd
!endif

Section "Start menu shortcuts" SecShortcuts
	CreateDirectory "$SMPROGRAMS\servin"
	CreateShortcut "$SMPROGRAMS\servin\servin.lnk" "$INSTDIR\servin-gui.cmd"
	CreateShortcut "$SMPROGRAMS\servin\servin remote configuration.lnk" "$INSTDIR\servin-remote.ini"
	CreateShortcut "$SMPROGRAMS\servin\Uninstall servin.lnk" "$INSTDIR\uninstall.exe"
SectionEnd

; Last, once every file is there: the size "Apps and features" shows.
Section "-EstimatedSize"
	${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
	IntFmt $0 "0x%08X" $0
	WriteRegDWORD HKLM "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
	!insertmacro MUI_DESCRIPTION_TEXT ${SecConfig} "The address of your servin host and the TLS certificates to reach it (servin-remote.ini), the GUI launcher, the license and a README."
!ifdef HAVE_GUI
	!insertmacro MUI_DESCRIPTION_TEXT ${SecGui} "The servin desktop GUI (servin-gui.pyz), run by the launcher with Python 3."
!endif
	!insertmacro MUI_DESCRIPTION_TEXT ${SecShortcuts} "Start menu entries for the GUI, the configuration and the uninstaller."
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "Uninstall"
	Delete "$INSTDIR\servin-gui.pyz"
	Delete "$INSTDIR\servin-gui.cmd"
	Delete "$INSTDIR\servin-remote.ini"
	Delete "$INSTDIR\README.txt"
	Delete "$INSTDIR\LICENSE.txt"
	Delete "$INSTDIR\uninstall.exe"
	; the certificates are the user's: the folder goes only when empty
	ReadRegStr $0 HKLM "${REGKEY}" "CertificateFolder"
	${If} $0 != ""
		RMDir "$0"
	${EndIf}
	RMDir "$INSTDIR"
	Delete "$SMPROGRAMS\servin\servin.lnk"
	Delete "$SMPROGRAMS\servin\servin remote configuration.lnk"
	Delete "$SMPROGRAMS\servin\Uninstall servin.lnk"
	RMDir "$SMPROGRAMS\servin"
	DeleteRegKey HKLM "${UNINSTKEY}"
	DeleteRegKey HKLM "${REGKEY}"
SectionEnd
